import Testing

@testable import CopilotGateway

/// The final snapshot ends the reply: text an upstream sends after it (a broken or hostile one) is
/// not part of it, however the network split the snapshots into reads.
@Suite struct TextAfterFinalSnapshotTests {
    typealias Snapshot = (text: String, final: Bool)
    static let snapshots: [Snapshot] = [("The answer", false), ("The answer is 42.", true), ("Something else entirely", false), ("More after the end.", true)]

    /// Every way of splitting the snapshots into reads, in order.
    static var splits: [[[Snapshot]]] {
        (0..<(1 << (snapshots.count - 1))).map { cuts in
            var reads: [[Snapshot]] = [[]]
            for (index, snapshot) in snapshots.enumerated() {
                if index > 0, cuts & (1 << (index - 1)) != 0 { reads.append([]) }
                reads[reads.count - 1].append(snapshot)
            }
            return reads
        }
    }

    @Test func theReplyIsTheFinalSnapshotsWhateverTheReads() async throws {
        let support = TurnPipelineTests()
        for reads in Self.splits {
            let upstream = FakeCopilotUpstream { _, _ in .reads(reads) }
            let pipeline = try await support.pipeline(upstream)
            let (events, reply) = try await support.run(pipeline, try support.turn([.user([.text("what is it?")])]))
            #expect(reply.text == "The answer is 42.", "reads: \(reads.map { $0.map(\.text) })")
            #expect(TurnPipelineTests.text(events) == "The answer is 42.", "reads: \(reads.map { $0.map(\.text) })")
        }
    }

    @Test func theTrackerIgnoresSnapshotsAfterTheFinalOne() {
        var tracker = ReplyTracker(prompt: "q")
        let final = tracker.ingest(FakeCopilotUpstream.snapshot("c", echo: "q", reply: "final text", final: true))
        let more = tracker.ingest(FakeCopilotUpstream.snapshot("c", echo: nil, reply: "final text and more", final: false))
        let another = tracker.ingest(FakeCopilotUpstream.snapshot("c", echo: "q", reply: "another final", final: true))
        #expect(final && !more && !another)
        #expect(tracker.rawText == "final text" && tracker.sawFinalSnapshot)
    }
}
