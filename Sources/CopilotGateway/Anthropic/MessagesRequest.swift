/// `POST /v1/messages`: an Anthropic Messages API request, as far as the gateway reads it. Fields it
/// does not use (`temperature`, `top_p`, `top_k`, `stop_sequences`, `thinking`, `service_tier`,
/// `container`, and any unknown one) are accepted and ignored.
struct MessagesRequest: Decodable, Sendable {
    var model: String
    /// Required by Anthropic (but not by `count_tokens`); the gateway cannot honour it (Copilot has no
    /// such limit), only check it.
    var maxTokens: Int?
    var system: [TextBlock]
    var messages: [Message]
    var tools: [Tool]
    var toolChoice: ToolChoiceObject?
    var stream: Bool
    var metadata: Metadata?

    enum CodingKeys: String, CodingKey {
        case model, system, messages, tools, stream, metadata
        case maxTokens = "max_tokens", toolChoice = "tool_choice"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        if let text = try? container.decodeIfPresent(String.self, forKey: .system) {
            system = [TextBlock(text: text)]
        } else {
            system = try container.decodeIfPresent([TextBlock].self, forKey: .system) ?? []
        }
        messages = try container.decode([Message].self, forKey: .messages)
        tools = try container.decodeIfPresent([Tool].self, forKey: .tools) ?? []
        toolChoice = try container.decodeIfPresent(ToolChoiceObject.self, forKey: .toolChoice)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        metadata = try container.decodeIfPresent(Metadata.self, forKey: .metadata)
    }

    /// A text block of `system` (`cache_control` accepted and ignored).
    struct TextBlock: Decodable, Sendable {
        var text: String
    }

    struct Metadata: Decodable, Sendable {
        var userID: String?
        enum CodingKeys: String, CodingKey { case userID = "user_id" }
    }

    /// One message: `user`, `assistant`, or a `system` message inside the list (Claude Code sends one).
    struct Message: Decodable, Sendable {
        enum Role: String, WireEnum, Sendable { case user, assistant, system }
        var role: Role
        var content: [ContentBlock]

        enum CodingKeys: String, CodingKey { case role, content }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decode(Role.self, forKey: .role)
            if let text = try? container.decode(String.self, forKey: .content) {
                content = [.text(text)]
            } else {
                content = try container.decode([ContentBlock].self, forKey: .content)
            }
        }
    }

    /// A client tool (`name`, `description`, `input_schema`), or one of Anthropic's own (a versioned
    /// `type` such as `web_search_20250305` or `bash_20250124`, some without a name).
    struct Tool: Decodable, Sendable {
        var type: String?
        var name: String?
        var description: String?
        var inputSchema: JSONValue?

        enum CodingKeys: String, CodingKey {
            case type, name, description
            case inputSchema = "input_schema"
        }

        /// One of Anthropic's tools: a `type` other than `custom`.
        var anthropicToolType: String? {
            guard let type, type != "custom" else { return nil }
            return type
        }
    }

    /// `tool_choice`: `{"type": "auto" | "any" | "tool" | "none", "name"?, "disable_parallel_tool_use"?}`.
    struct ToolChoiceObject: Decodable, Sendable {
        enum Kind: String, WireEnum, Sendable { case auto, any, tool, none }
        var type: Kind
        var name: String?
        var disableParallelToolUse: Bool?

        enum CodingKeys: String, CodingKey {
            case type, name
            case disableParallelToolUse = "disable_parallel_tool_use"
        }

        /// The core's tool choice: `any` is `required`, `tool` names its tool.
        var choice: ToolChoice {
            switch type {
            case .auto: .auto
            case .any: .required
            case .tool: .named(name ?? "")
            case .none: .none
            }
        }
    }
}
