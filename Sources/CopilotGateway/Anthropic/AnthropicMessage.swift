/// A complete Anthropic `message`: the whole answer to `POST /v1/messages`, and (empty, without a stop
/// reason) the start of a stream.
struct AnthropicMessage: Sendable {
    var id: String
    var model: String
    var content: [ContentBlock]
    /// `end_turn`, `tool_use` or `refusal`; nil while a stream runs.
    var stopReason: String?
    var usage: Usage

    /// The message as Anthropic writes it; `stop_reason` is null while a stream runs and
    /// `stop_sequence` always (the gateway has no stop sequences).
    var json: JSONValue {
        .object([
            "id": .string(id), "type": .string("message"), "role": .string("assistant"), "model": .string(model),
            "content": .array(content.map(\.json)), "stop_reason": stopReason.map(JSONValue.string) ?? .null,
            "stop_sequence": .null, "usage": usage.json,
        ])
    }

    enum ContentBlock: Sendable {
        case text(String)
        case toolUse(id: String, name: String, input: JSONValue)

        var json: JSONValue {
            switch self {
            case .text(let text):
                .object(["type": .string("text"), "text": .string(text)])
            case .toolUse(let id, let name, let input):
                .object(["type": .string("tool_use"), "id": .string(id), "name": .string(name), "input": input])
            }
        }
    }

    struct Usage: Sendable {
        var inputTokens: Int
        var outputTokens: Int

        /// With the prompt-cache counts Anthropic's clients read, always zero here.
        var json: JSONValue {
            .object([
                "input_tokens": .number(Double(inputTokens)), "output_tokens": .number(Double(outputTokens)),
                "cache_creation_input_tokens": .number(0), "cache_read_input_tokens": .number(0),
            ])
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
