/// What is wrong with a turn, found while reading it. Each API dialect words these in its own shape
/// (see `ClientFacingError`).
public enum TurnRequestError: Error, Sendable, Equatable {
    /// No messages at all.
    case noMessages
    /// Messages, but none from the user.
    case noUserMessage
    /// The conversation ends with the assistant: nothing is left to answer.
    case nothingToAnswer
    /// The newest user message is empty (or only reminders).
    case noText
}

extension TurnRequestError: ClientFacingError {
    public var failure: ClientFailure {
        let message = switch self {
        case .noMessages: "`messages` must contain at least one message."
        case .noUserMessage: "`messages` must contain a user message."
        case .nothingToAnswer: "The last message must be from the user (or a tool result); there is nothing for Copilot to answer."
        case .noText: "The user message has no text for Copilot to answer."
        }
        return ClientFailure(status: 400, kind: .invalidRequest, message: message, param: "messages")
    }
}
