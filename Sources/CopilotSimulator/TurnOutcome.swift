/// Everything needed to render one turn: the conversation after the turn, the echo and the reply.
struct TurnOutcome: Sendable {
    var conversationID: String
    var createdDateTime: String
    var displayName: String
    var state: String
    var turnCount: Int
    var echo: MessageSnapshot
    var reply: MessageSnapshot
}

/// One `copilotConversationResponseMessage` before rendering.
struct MessageSnapshot: Sendable {
    var id: String
    var text: String
    var createdDateTime: String
    var attributions: [SimulatedAttribution] = []
    /// The sources go out as Work IQ's `references` map (keyed "1", "2", …) instead of `attributions`.
    var citesAsReferences = false
}
