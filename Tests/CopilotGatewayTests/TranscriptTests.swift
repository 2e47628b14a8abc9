import Testing

@testable import CopilotGateway

@Suite struct TranscriptTests {
    @Test func theFingerprintIgnoresWhitespaceAndTheGatewaysCitationMarkers() {
        let sent: [TurnEntry] = [.user([.text("hi")]), .assistant([.text("Due Friday [1].\n\n[1]: <https://a> \"Plan\"")])]
        let returned: [TurnEntry] = [.user([.text(" hi ")]), .assistant([.text("Due   Friday.")])]
        #expect(Transcript.fingerprint(scope: "s", instructions: "P", entries: sent) == Transcript.fingerprint(scope: "s", instructions: "P ", entries: returned))
        #expect(Transcript.fingerprint(scope: "s", instructions: "P", entries: sent) != Transcript.fingerprint(scope: "t", instructions: "P", entries: sent))
        #expect(Transcript.fingerprint(scope: "s", instructions: "P", entries: sent) != Transcript.fingerprint(scope: "s", instructions: "Q", entries: sent))
    }

    /// Conversations saved by an earlier version are found again after an upgrade: the fingerprint's
    /// bytes (each part followed by a zero byte, hashed with SHA-256) must never change.
    @Test func theFingerprintOfAHistoryIsTheOneEarlierVersionsSaved() {
        let entries: [TurnEntry] = [
            .user([.text("hi")]),
            .assistant([.text("Hello!")], calls: [HistoryCall(id: "call_1", name: "get_time", arguments: "{}")]),
            .toolResult(callID: "call_1", name: nil, [.text("12:00")]),
        ]
        #expect(
            Transcript.fingerprint(scope: "alice\u{1}user:42", instructions: "Be brief.", entries: entries)
                == "3fcd53a7cf557177f3f56064309f87837ac8049b046276b1e2eab812100e60fe")
    }

    @Test func entriesWithoutTextAreLeftOutAndAttachmentsBecomeNotes() {
        let lines = Transcript.lines([.user([.text("  ")]), .user([.image, .text("look")]), .assistant([], calls: [])])
        #expect(lines.count == 1)
        #expect(lines.first?.text == CopilotPrompt.imageAttachmentNote + "\nlook")
    }
}

extension Transcript {
    static func fingerprint(scope: String, instructions: String?, entries: [TurnEntry]) -> String {
        fingerprint(scope: scope, instructions: instructions, lines: lines(entries))
    }
}
