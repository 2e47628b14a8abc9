import Synchronization

@testable import CopilotGateway

/// Copilot in memory, for driving the turn pipeline without sockets: it creates conversations,
/// answers each turn with the reply `answer` gives for its message (as cumulative snapshots when
/// streamed), or fails as `answer` says, and keeps every request it was sent.
final class FakeCopilotUpstream: CopilotUpstream {
    enum Answer: Sendable {
        /// The reply, streamed in this many growing snapshots.
        case reply(String, snapshots: Int = 3)
        /// The turn fails with this error (for a stream: after it began, before any snapshot).
        case failure(UpstreamError)
        /// A stream of these snapshots (their reply text, and whether each is final), grouped as the
        /// reads from the network that brought them.
        case reads([[(text: String, final: Bool)]])
    }

    struct Sent: Sendable {
        var conversationID: String
        var request: GraphChatRequest
        var streamed: Bool
    }

    private struct State {
        var conversations = 0
        var sent: [Sent] = []
    }

    private let state = Mutex(State())
    private let answer: @Sendable (_ message: String, _ turnNumber: Int) -> Answer

    /// `answer` gets the message and the turn's number among all turns sent (1 for the first).
    init(answer: @escaping @Sendable (_ message: String, _ turnNumber: Int) -> Answer) {
        self.answer = answer
    }

    var conversationsCreated: Int { state.withLock { $0.conversations } }
    var sent: [Sent] { state.withLock { $0.sent } }

    func createConversation() async throws -> String {
        "conversation-\(state.withLock { $0.conversations += 1; return $0.conversations })"
    }

    func chat(conversationID: String, request: GraphChatRequest) async throws -> GraphConversation {
        switch record(conversationID, request, streamed: false) {
        case .failure(let error): throw error
        case .reply(let text, _): return Self.snapshot(conversationID, echo: request.message.text, reply: text, final: true)
        case .reads(let reads): return Self.snapshot(conversationID, echo: request.message.text, reply: reads.last?.last?.text ?? "", final: true)
        }
    }

    func openStream(conversationID: String, request: GraphChatRequest) async throws -> any ReplySnapshots {
        switch record(conversationID, request, streamed: true) {
        case .failure(let error):
            return Snapshots(snapshots: [], failure: error)
        case .reply(let text, let count):
            let cuts = (1...max(1, count)).map { text.prefix(text.count * $0 / max(1, count)) }
            var snapshots = cuts.dropLast().map { Self.snapshot(conversationID, echo: nil, reply: String($0), final: false) }
            snapshots.append(Self.snapshot(conversationID, echo: request.message.text, reply: text, final: true))
            return Snapshots(snapshots: snapshots, failure: nil)
        case .reads(let reads):
            let grouped = reads.map { read in
                read.map { Self.snapshot(conversationID, echo: $0.final ? request.message.text : nil, reply: $0.text, final: $0.final) }
            }
            return Snapshots(reads: grouped, failure: nil)
        }
    }

    private func record(_ conversationID: String, _ request: GraphChatRequest, streamed: Bool) -> Answer {
        let number = state.withLock { state in
            state.sent.append(Sent(conversationID: conversationID, request: request, streamed: streamed))
            return state.sent.count
        }
        return answer(request.message.text, number)
    }

    /// A snapshot as Graph sends it: intermediate ones hold the reply only, the final one `[echo, reply]`.
    static func snapshot(_ id: String, echo: String?, reply: String, final: Bool) -> GraphConversation {
        let messages = (echo.map { [GraphMessage(id: "echo", text: $0)] } ?? []) + [GraphMessage(id: "reply", text: reply)]
        return GraphConversation(
            id: id, state: "active", displayName: final ? "A conversation" : GraphConversation.intermediateDisplayName, turnCount: final ? 1 : nil,
            messages: messages)
    }

    struct Snapshots: ReplySnapshots {
        /// The snapshots, grouped as the reads that brought them.
        let reads: [[GraphConversation]]
        let failure: UpstreamError?

        init(snapshots: [GraphConversation], failure: UpstreamError?) {
            self.init(reads: snapshots.map { [$0] }, failure: failure)
        }

        init(reads: [[GraphConversation]], failure: UpstreamError?) {
            self.reads = reads
            self.failure = failure
        }

        func forEach(_ handle: (GraphConversation) async throws -> Void, afterEachRead: () async throws -> Void) async throws {
            for read in reads {
                for snapshot in read { try await handle(snapshot) }
                try await afterEachRead()
            }
            if let failure { throw failure }
        }
    }
}
