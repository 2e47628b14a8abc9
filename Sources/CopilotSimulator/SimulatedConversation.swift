/// The simulator's record of one conversation, as returned by `GET /_sim/conversations/{id}`.
public struct SimulatedConversation: Codable, Sendable, Equatable {
    /// The conversation id (a lowercase UUID).
    public var id: String
    /// `createdDateTime` as sent on the wire.
    public var createdDateTime: String
    /// The first prompt of the conversation, or "" before the first turn.
    public var displayName: String
    /// `active` or `disengagedForRai`.
    public var state: String
    /// Number of completed turns.
    public var turnCount: Int
    /// Every completed turn, oldest first.
    public var turns: [SimulatedTurn]
    /// The user (UPN) whose token created it; only that user's tokens can continue it. Nil when the
    /// token was not one the simulator issued (then any token can).
    public var owner: String?

    /// Every text that reached the conversation: prompts and `additionalContext` texts, in order.
    var allTexts: [String] {
        turns.flatMap { [$0.prompt] + $0.additionalContext.map(\.text) }
    }
}

/// One turn of a ``SimulatedConversation``.
public struct SimulatedTurn: Codable, Sendable, Equatable {
    /// `message.text` of the request.
    public var prompt: String
    /// The request's `additionalContext` entries.
    public var additionalContext: [ContextEntry]
    /// `locationHint.timeZone` of the request.
    public var timeZone: String
    /// Whether the turn came through `chatOverStream`.
    public var streamed: Bool
    /// The id of the reply message.
    public var replyID: String
    /// The reply text.
    public var reply: String
}

/// One `additionalContext` entry of a chat request.
public struct ContextEntry: Codable, Sendable, Equatable {
    /// The context text.
    public var text: String
    /// The optional description.
    public var description: String?

    /// Creates an entry.
    public init(text: String, description: String? = nil) {
        self.text = text
        self.description = description
    }
}
