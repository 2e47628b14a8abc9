import CopilotSimulator
import Foundation
import Testing

@testable import CopilotGateway

/// `COPILOT_DELTA_STREAMING=1` asks Graph for delta streaming (an undocumented option). Whatever the
/// simulator makes of it (each plausible answer), the client gets the same text, and by default the
/// option is never sent.
@Suite struct DeltaStreamingTests {
    static let prompt = "Tell me about the <File> tags and citations."

    @Test func byDefaultNoTurnAsksForDeltaStreaming() async throws {
        try await GatewayHarness.run { client, simulator in
            let streamed = try await client.chat(["stream": true, "messages": [["role": "user", "content": Self.prompt]]])
            #expect(try streamed.streamedText == expectedReply(Self.prompt))
            let turns = try await simulator.recordedBodies(pathSuffix: "/chatOverStream")
            #expect(turns.count == 1)
            #expect(turns.allSatisfy { $0["responseOptions"] == nil })
        }
    }

    @Test(arguments: [SimulatorOptions.DeltaStreaming.honour, .ignore])
    func aStreamedReplyReadsTheSameWhetherGraphSendsDeltasOrWholeTexts(mode: SimulatorOptions.DeltaStreaming) async throws {
        let options = SimulatorOptions(snapshotCount: 12, eventDelay: .zero, deltaStreaming: mode)
        try await GatewayHarness.run(simulator: options, environment: ["COPILOT_DELTA_STREAMING": "1"]) { client, simulator in
            for turn in 0..<2 {
                let prompt = "\(Self.prompt) (\(turn))"
                let streamed = try await client.chat(["stream": true, "messages": [["role": "user", "content": prompt]]])
                #expect(try streamed.streamedText == expectedReply(prompt))
                #expect(streamed.eventPayloads.last == "[DONE]")
            }
            let turns = try await simulator.recordedBodies(pathSuffix: "/chatOverStream")
            #expect(turns.count == 2)
            #expect(turns.allSatisfy { ($0["responseOptions"] as? [String: Any])?["isDeltaStreamingEnabled"] as? Bool == true })
        }
    }

    @Test func whenGraphRefusesTheOptionTheTurnGoesAgainWithoutItAndLaterTurnsLeaveItOut() async throws {
        let options = SimulatorOptions(snapshotCount: 6, eventDelay: .zero, deltaStreaming: .refuse)
        try await GatewayHarness.run(simulator: options, environment: ["COPILOT_DELTA_STREAMING": "1"]) { client, simulator in
            for turn in 0..<2 {
                let prompt = "\(Self.prompt) (\(turn))"
                let streamed = try await client.chat(["stream": true, "messages": [["role": "user", "content": prompt]]])
                #expect(try streamed.streamedText == expectedReply(prompt))
            }
            let turns = try await simulator.recordedBodies(pathSuffix: "/chatOverStream")
            // The first turn: refused with the option, accepted without; the second: without at once.
            #expect(turns.map { $0["responseOptions"] != nil } == [true, false, false])
        }
    }

    static func partial(_ text: String) -> GraphConversation {
        GraphConversation(displayName: GraphConversation.intermediateDisplayName, messages: [GraphMessage(id: "r", text: text)])
    }

    static func texts(_ partials: [String], final: String) async throws -> [String] {
        let last = GraphConversation(
            state: "active", displayName: "Title", turnCount: 1, messages: [GraphMessage(id: "e", text: "hi"), GraphMessage(id: "r", text: final)])
        let stream = DeltaSnapshots(base: ListedSnapshots(snapshots: partials.map(partial) + [last]))
        var texts: [String] = []
        try await stream.forEach { texts.append($0.messages?.last?.text ?? "") } afterEachRead: {}
        return texts
    }

    @Test func piecesAreAppendedOnceTheStreamShowsItSendsPieces() async throws {
        let texts = try await Self.texts(["Hel", "", "lo", " wor", "ld!"], final: "Hello world!")
        #expect(texts == ["Hel", "Hel", "Hello", "Hello wor", "Hello world!", "Hello world!"])
    }

    @Test func wholeTextsReplaceEachOtherRewritesIncludedOnceTheStreamShowsItSendsWholeTexts() async throws {
        let texts = try await Self.texts(["Hel", "Hello wor", "Hello [^1^] world", "", "Hello [^1^] world!"], final: "Hello [^1^] world!")
        #expect(texts == ["Hel", "Hello wor", "Hello [^1^] world", "", "Hello [^1^] world!", "Hello [^1^] world!"])
    }

    @Test(arguments: [SimulatorOptions.DeltaStreaming.honour, .ignore])
    func aRewriteInEitherFormNeitherRepeatsNorLosesText(mode: SimulatorOptions.DeltaStreaming) async throws {
        let options = SimulatorOptions(snapshotCount: 12, eventDelay: .zero, deltaStreaming: mode)
        try await GatewayHarness.run(simulator: options, environment: ["COPILOT_DELTA_STREAMING": "1"]) { client, simulator in
            await simulator.addFault(.init(kind: .rewrite, endpoint: .stream))
            let streamed = try await client.chat(["stream": true, "messages": [["role": "user", "content": FaultCase.prompt]]])
            // The client keeps what it was sent; the marker the rewrite added is the only difference.
            #expect(try streamed.streamedText.replacingOccurrences(of: " [1]", with: "") == FaultCase.answer)
        }
    }
}

/// Snapshots from a list, each its own read.
struct ListedSnapshots: ReplySnapshots {
    let snapshots: [GraphConversation]

    func forEach(_ handle: (GraphConversation) async throws -> Void, afterEachRead: () async throws -> Void) async throws {
        for snapshot in snapshots {
            try await handle(snapshot)
            try await afterEachRead()
        }
    }
}
