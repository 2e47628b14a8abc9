import Foundation

/// A complete Anthropic `message`: the whole answer to `POST /v1/messages`, and (empty, without a stop
/// reason) the start of a stream.
struct AnthropicMessage: Encodable, Sendable {
    var id: String
    var model: String
    var content: [ContentBlock]
    /// `end_turn`, `tool_use` or `refusal`; nil while a stream runs.
    var stopReason: String?
    var usage: Usage

    enum CodingKeys: String, CodingKey {
        case id, type, role, model, content, usage
        case stopReason = "stop_reason", stopSequence = "stop_sequence"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("message", forKey: .type)
        try container.encode("assistant", forKey: .role)
        try container.encode(model, forKey: .model)
        try container.encode(content, forKey: .content)
        try container.encode(stopReason, forKey: .stopReason)  // null, as Anthropic sends it
        try container.encodeNil(forKey: .stopSequence)
        try container.encode(usage, forKey: .usage)
    }

    enum ContentBlock: Encodable, Sendable {
        case text(String)
        case toolUse(id: String, name: String, input: JSONValue)

        enum CodingKeys: String, CodingKey { case type, text, id, name, input }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            case .toolUse(let id, let name, let input):
                try container.encode("tool_use", forKey: .type)
                try container.encode(id, forKey: .id)
                try container.encode(name, forKey: .name)
                try container.encode(input, forKey: .input)
            }
        }
    }

    struct Usage: Encodable, Sendable {
        var inputTokens: Int
        var outputTokens: Int

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens", outputTokens = "output_tokens"
            case cacheCreation = "cache_creation_input_tokens", cacheRead = "cache_read_input_tokens"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(inputTokens, forKey: .inputTokens)
            try container.encode(outputTokens, forKey: .outputTokens)
            try container.encode(0, forKey: .cacheCreation)
            try container.encode(0, forKey: .cacheRead)
        }

        init(inputTokens: Int, outputTokens: Int) {
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
        }

        init(_ usage: TokenUsage) {
            self.init(inputTokens: usage.input, outputTokens: usage.output)
        }
    }
}
