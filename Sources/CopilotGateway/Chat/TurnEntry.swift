/// One message of a conversation as the gateway understands it, whatever API it came through.
/// System prompts are not entries: they are a turn's `instructions`.
public enum TurnEntry: Sendable, Equatable, Codable {
    case user([TurnContent])
    /// An assistant message, and the tools it called.
    case assistant([TurnContent], calls: [HistoryCall] = [])
    /// What a called tool gave back; the id (or name) says which call it answers.
    case toolResult(callID: String?, name: String?, [TurnContent])

    /// The speaker, as the conversation fingerprint and the seeding transcript name it.
    public enum Speaker: String, Sendable {
        case user, assistant, tool
    }

    var speaker: Speaker {
        switch self {
        case .user: .user
        case .assistant: .assistant
        case .toolResult: .tool
        }
    }

    var content: [TurnContent] {
        switch self {
        case .user(let content), .assistant(let content, _), .toolResult(_, _, let content): content
        }
    }
}

/// A piece of a message. Pictures and sound cannot reach Copilot; they become a note.
public enum TurnContent: Sendable, Equatable, Codable {
    case text(String)
    case image
    case audio
    case document
}

/// A tool call made earlier in the conversation, as the client sent it back.
public struct HistoryCall: Sendable, Equatable, Codable {
    public var id: String?
    public var name: String?
    /// The arguments as JSON text.
    public var arguments: String?

    public init(id: String?, name: String?, arguments: String?) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
