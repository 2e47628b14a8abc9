/// The part of an OpenAI `POST /v1/chat/completions` body the gateway uses.
///
/// Every other field (`temperature`, `reasoning_effort`, a client's extra body…) is accepted and ignored.
public struct ChatCompletionRequest: Decodable, Sendable {
    public var model: String?
    public var messages: [ChatMessage]
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var user: String?
    public var n: Int?
    /// The functions offered (`tools`, or the legacy `functions`), as declared.
    public var tools: [DeclaredTool] = []
    public var toolChoice: ToolChoice?
    public var parallelToolCalls: Bool?
    public var responseFormat: ResponseFormat = .text

    public struct StreamOptions: Decodable, Sendable {
        public var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, user, n, tools, functions
        case streamOptions = "stream_options"
        case toolChoice = "tool_choice", functionCall = "function_call"
        case parallelToolCalls = "parallel_tool_calls", responseFormat = "response_format"
    }

    public init(model: String? = nil, messages: [ChatMessage], stream: Bool? = nil, user: String? = nil) {
        self.model = model
        self.messages = messages
        self.stream = stream
        self.user = user
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        messages = try container.decode([ChatMessage].self, forKey: .messages)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        n = try container.decodeIfPresent(Int.self, forKey: .n)
        if let tools = try container.decodeIfPresent([ToolDefinition].self, forKey: .tools) {
            self.tools = tools.enumerated().compactMap { index, tool in tool.function?.declared(place: "tools[\(index)].function.name") }
        }
        if let functions = try container.decodeIfPresent([FunctionDefinition].self, forKey: .functions) {
            self.tools += functions.enumerated().map { index, function in function.declared(place: "functions[\(index)].name") }
        }
        toolChoice = try container.decodeIfPresent(ToolChoice.self, forKey: .toolChoice)
            ?? container.decodeIfPresent(ToolChoice.self, forKey: .functionCall)
        parallelToolCalls = try container.decodeIfPresent(Bool.self, forKey: .parallelToolCalls)
        responseFormat = try container.decodeIfPresent(ResponseFormat.self, forKey: .responseFormat) ?? .text
    }

    /// One entry of `tools`; types other than `function` (a provider's built-in tools) are passed over.
    struct ToolDefinition: Decodable {
        var type: String?
        var function: FunctionDefinition?
        enum CodingKeys: String, CodingKey { case type, function }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            type = try container.decodeIfPresent(String.self, forKey: .type)
            function = (type ?? "function") == "function" ? try container.decode(FunctionDefinition.self, forKey: .function) : nil
        }
    }

    struct FunctionDefinition: Decodable {
        var name: String
        var description: String?
        var parameters: JSONValue?

        func declared(place: String) -> DeclaredTool {
            DeclaredTool(name: name, description: description, parameters: parameters, place: place)
        }
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

    public enum Role: String, WireEnum, Sendable {
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
        role = try container.decode(Role.self, forKey: .role)
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

extension ToolChoice: Decodable {
    /// `"none"`, `"auto"`, `"required"`, `{"type":"function","function":{"name":…}}` or the legacy `{"name":…}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            switch text {
            case "none": self = .none
            case "auto": self = .auto
            case "required", "any": self = .required
            default:
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a tool choice; expected none, auto, required or a function")
            }
            return
        }
        let object = try container.decode(JSONValue.self)
        guard let name = object["function"]?["name"]?.stringValue ?? object["name"]?.stringValue else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a function tool choice needs function.name")
        }
        self = .named(name)
    }
}

/// `response_format`.
extension ResponseFormat: Decodable {
    enum CodingKeys: String, CodingKey { case type, jsonSchema = "json_schema" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "text": self = .text
        case "json_object": self = .jsonObject
        case "json_schema": self = .jsonSchema(try container.decodeIfPresent(JSONValue.self, forKey: .jsonSchema)?["schema"])
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "\(JSONBody.Problem.quoted(other)) is not one of 'text', 'json_object' or 'json_schema'")
        }
    }
}
