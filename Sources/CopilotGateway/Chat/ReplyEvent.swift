/// What the core hands a dialect encoder while a reply runs, in order: text and tool calls as they
/// become final, then one `finished`.
public enum ReplyEvent: Sendable, Equatable {
    case textDelta(String)
    /// A tool call begins: its place among the reply's calls, its id and the tool's name.
    case toolCallStarted(index: Int, id: String, name: String)
    /// A piece of the call's arguments (JSON text); the pieces joined are the whole arguments.
    case toolCallArguments(index: Int, fragment: String)
    case finished(FinishReason, TokenUsage)
}

/// Why a reply ended.
public enum FinishReason: Sendable, Equatable {
    /// An ordinary answer.
    case stop
    /// The reply is calls to offered tools.
    case toolCalls
    /// Copilot disengaged: it declined to answer.
    case contentFilter
}

/// Estimated token counts (Copilot reports none; see `TokenEstimator`).
public struct TokenUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int

    public init(input: Int, output: Int) {
        self.input = input
        self.output = output
    }
}

/// A finished reply, as the client got it.
public struct TurnReply: Sendable, Equatable {
    public var text: String
    public var toolCalls: [CopilotToolCall] = []
    public var finishReason: FinishReason
    public var usage: TokenUsage
}
