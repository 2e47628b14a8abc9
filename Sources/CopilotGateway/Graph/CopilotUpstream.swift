/// Where Copilot turns go: `GraphClient` (Microsoft Graph, or the simulator speaking its protocol),
/// or an in-memory fake in tests. The vocabulary is Graph's: a conversation id, a chat request, and the
/// conversation snapshots a reply arrives in.
protocol CopilotUpstream: Sendable {
    /// A new, empty conversation's id.
    func createConversation() async throws -> String
    /// One turn, answered whole.
    func chat(conversationID: String, request: GraphChatRequest) async throws -> GraphConversation
    /// One turn, streamed: returns once Copilot has accepted the turn; the reply follows as snapshots.
    func openStream(conversationID: String, request: GraphChatRequest) async throws -> any ReplySnapshots
}

/// The snapshots of a reply, in order.
protocol ReplySnapshots: Sendable {
    /// Calls `handle` with each snapshot in order, and `afterEachRead` once the snapshots that arrived
    /// together have all been handled (they are then acted on once); returns when the reply is over.
    func forEach(_ handle: (GraphConversation) async throws -> Void, afterEachRead: () async throws -> Void) async throws
}

/// A whole answer seen as a reply of one snapshot.
struct WholeReply: ReplySnapshots {
    let conversation: GraphConversation

    func forEach(_ handle: (GraphConversation) async throws -> Void, afterEachRead: () async throws -> Void) async throws {
        try await handle(conversation)
        try await afterEachRead()
    }
}
