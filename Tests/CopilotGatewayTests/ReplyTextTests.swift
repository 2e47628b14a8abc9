import Testing

@testable import CopilotGateway

@Suite struct StreamingTextDifferTests {
    func deltas(_ snapshots: [String]) -> (deltas: [String], sent: String) {
        var differ = StreamingTextDiffer()
        let deltas = snapshots.map { differ.delta(for: $0) }
        return (deltas, differ.sent)
    }

    @Test func sendsOnlyTheNewSuffixOfGrowingSnapshots() {
        let result = deltas(["Hel", "Hello", "Hello wor", "Hello world"])
        #expect(result.deltas == ["Hel", "lo", " wor", "ld"])
    }

    @Test func sendsNothingWhenASnapshotRepeats() {
        #expect(deltas(["Hello", "Hello", "Hello!"]).deltas == ["Hello", "", "!"])
    }

    @Test func sendsNothingWhenASnapshotRegressesAndResumesAfterIt() {
        let result = deltas(["Hello world", "Hello", "", "Hello world and more"])
        #expect(result.deltas == ["Hello world", "", "", " and more"])
        #expect(result.sent == "Hello world and more")
    }

    @Test func keepsSentTextWhenUpstreamInsertsMarkersIntoIt() {
        let result = deltas(["Hello world", "Hello [1] world, and then", "Hello [1] world, and then more."])
        #expect(result.deltas == ["Hello world", ", and then", " more."])
        #expect(result.sent == "Hello world, and then more.")
    }

    @Test func keepsSentTextWhenUpstreamRemovesPartOfIt() {
        let result = deltas(["Hello [1] world", "Hello world more"])
        #expect(result.sent == "Hello [1] world more")
    }

    @Test func waitsWhileARewriteCannotBeAlignedAndNeverRepeatsText() {
        let result = deltas(["The answer is", "Completely different", "The answer is 42."])
        #expect(result.deltas == ["The answer is", "", " 42."])
    }
}

@Suite struct ReplyFormatterTests {
    @Test func keepsTheInnerTextOfEntityTags() {
        #expect(ReplyFormatter.format("Ask <Person>Ada Lovelace</Person> about <File>Plan.docx</File>.", isComplete: true)
            == "Ask Ada Lovelace about Plan.docx.")
    }

    @Test func rewritesNumberedCitationsAndDropsExternalOnes() {
        #expect(ReplyFormatter.format("Due Friday[^1^] and Monday [^2^]. From notes [^external^].", isComplete: true)
            == "Due Friday[1] and Monday [2]. From notes.")
    }

    @Test func leavesOrdinaryAngleBracketsAndBracketsAlone() {
        #expect(ReplyFormatter.format("3 < 4, <b>bold</b>, [link](x) and a[0]", isComplete: true) == "3 < 4, <b>bold</b>, [link](x) and a[0]")
    }

    @Test func holdsBackUnfinishedMarkupWhileStreaming() {
        #expect(ReplyFormatter.format("Ask <Pers", isComplete: false) == "Ask ")
        #expect(ReplyFormatter.format("Due Friday[^1", isComplete: false) == "Due Friday")
        #expect(ReplyFormatter.format("Due Friday[", isComplete: false) == "Due Friday")
        #expect(ReplyFormatter.format("Due Friday[", isComplete: true) == "Due Friday[")
    }

    @Test func streamedFormattingNeverSplitsATagAcrossChunks() {
        let raw = "Meet <Person>Ada</Person> today[^1^]."
        var differ = StreamingTextDiffer()
        var sent = ""
        for end in raw.indices.dropFirst() {
            sent += differ.delta(for: ReplyFormatter.format(String(raw[..<end]), isComplete: false))
        }
        sent += differ.delta(for: ReplyFormatter.format(raw, isComplete: true))
        #expect(sent == "Meet Ada today[1].")
    }
}

@Suite struct ReplyTrackerTests {
    func conversation(_ messages: [(String, String)], final: Bool = false, state: String = "active") -> GraphConversation {
        GraphConversation(
            id: "c", state: state, status: nil,
            displayName: final ? "prompt" : GraphConversation.intermediateDisplayName,
            turnCount: final ? 1 : 0,
            messages: messages.map { GraphMessage(id: $0.0, text: $0.1) })
    }

    @Test func takesTheReplyNotTheEchoFromTheFinalSnapshot() {
        var tracker = ReplyTracker(prompt: "ping")
        tracker.ingest(conversation([("e", "ping"), ("r", "pong")], final: true))
        #expect(tracker.rawText == "pong")
        #expect(tracker.sawFinalSnapshot)
    }

    @Test func locksOntoTheReplyIDFromPartialSnapshots() {
        var tracker = ReplyTracker(prompt: "ping")
        tracker.ingest(conversation([]))
        tracker.ingest(conversation([("r", "po")]))
        tracker.ingest(conversation([("e", "ping"), ("r", "pong")], final: true))
        #expect(tracker.replyID == "r")
        #expect(tracker.rawText == "pong")
    }

    @Test func ignoresALoneEchoOfThePrompt() {
        var tracker = ReplyTracker(prompt: "ping  me")
        #expect(tracker.ingest(conversation([("e", "ping me")])) == false)
        #expect(tracker.rawText == "")
    }

    @Test func notesAResponsibleAIDisengagement() {
        var tracker = ReplyTracker(prompt: "x")
        tracker.ingest(conversation([("e", "x"), ("r", "Sorry.")], final: true, state: "disengagedForRai"))
        #expect(tracker.disengaged)
    }
}
