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
