/// The part of an OpenAI `POST /v1/chat/completions` body the gateway uses.
///
/// Every other field (`temperature`, `tools`, `reasoning_effort`, a client's extra body…) is accepted and ignored.
public struct ChatCompletionRequest: Decodable, Sendable {
    public var model: String?
    public var messages: [ChatMessage]
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var user: String?
    public var n: Int?

    public struct StreamOptions: Decodable, Sendable {
        public var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, user, n
        case streamOptions = "stream_options"
    }

    public init(model: String? = nil, messages: [ChatMessage], stream: Bool? = nil, user: String? = nil) {
        self.model = model
        self.messages = messages
        self.stream = stream
        self.user = user
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([ChatMessage].self, forKey: .messages)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        n = try container.decodeIfPresent(Int.self, forKey: .n)
    }

    /// Whether a usage chunk goes before `[DONE]`.
    public var includeUsage: Bool { streamOptions?.includeUsage ?? false }
}

/// One message of the history, in any shape the real clients send.
public struct ChatMessage: Decodable, Sendable, Equatable {
    public var role: Role
    public var content: MessageContent?
    public var name: String?
    public var toolCalls: [ToolCall]?
    public var toolCallID: String?

    public enum Role: String, Decodable, Sendable {
        case system, developer, user, assistant, tool, function
    }

    public struct ToolCall: Decodable, Sendable, Equatable {
        public var id: String?
        public var function: Function?
        public struct Function: Decodable, Sendable, Equatable {
            public var name: String?
            public var arguments: String?
        }
    }

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    public init(role: Role, content: MessageContent?) {
        self.role = role
        self.content = content
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let roleText = try container.decode(String.self, forKey: .role)
        guard let role = Role(rawValue: roleText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .role, in: container,
                debugDescription: "'\(roleText)' is not a known role; expected system, developer, user, assistant or tool"
            )
        }
        self.role = role
        content = try container.decodeIfPresent(MessageContent.self, forKey: .content)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        toolCalls = try container.decodeIfPresent([ToolCall].self, forKey: .toolCalls)
        toolCallID = try container.decodeIfPresent(String.self, forKey: .toolCallID)
    }
}

/// `content` as a string or as a list of parts.
public enum MessageContent: Decodable, Sendable, Equatable {
    case text(String)
    case parts([ContentPart])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let parts = try? container.decode([ContentPart].self) {
            self = .parts(parts)
        } else if var list = try? decoder.unkeyedContainer() {
            // Decode again part by part, so the error names the part that is wrong.
            var parts: [ContentPart] = []
            while !list.isAtEnd { parts.append(try list.decode(ContentPart.self)) }
            self = .parts(parts)
        } else {
            throw DecodingError.typeMismatch(
                MessageContent.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected a string or an array of content parts")
            )
        }
    }
}

/// One element of a `content` list.
public enum ContentPart: Decodable, Sendable, Equatable {
    case text(String)
    case image(url: String)
    case audio
    /// A part type the gateway does not know; it is passed over.
    case other(type: String)

    enum CodingKeys: String, CodingKey { case type, text, imageURL = "image_url" }
    struct ImageURL: Decodable { var url: String? }

    public init(from decoder: any Decoder) throws {
        if let bare = try? decoder.singleValueContainer().decode(String.self) {
            self = .text(bare)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text", "input_text":
            self = .text(try container.decode(String.self, forKey: .text))
        case "image_url":
            if let image = try? container.decode(ImageURL.self, forKey: .imageURL) {
                self = .image(url: image.url ?? "")
            } else {
                self = .image(url: (try? container.decode(String.self, forKey: .imageURL)) ?? "")
            }
        case "input_audio", "audio_url":
            self = .audio
        default:
            self = .other(type: type)
        }
    }
}
