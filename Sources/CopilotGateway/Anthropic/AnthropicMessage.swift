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
    /// `stop_sequence` always (the gateway has no stop sequences), `container` always (Copilot runs no
    /// code containers), and `stop_details` but for a refusal, whose category Copilot does not give.
    var json: JSONValue {
        .object([
            "id": .string(id), "type": .string("message"), "role": .string("assistant"), "model": .string(model),
            "content": .array(content.map(\.json)), "stop_reason": stopReason.map(JSONValue.string) ?? .null,
            "stop_sequence": .null, "usage": usage.json, "container": .null, "stop_details": Self.stopDetails(stopReason),
            // Beta (`?beta=true`, as Claude Code asks) answers carry these too; Copilot manages no context for the client.
            "context_management": .null, "diagnostics": .null,
        ])
    }

    /// A refusal's details (its category Copilot does not give); null for any other stop.
    static func stopDetails(_ stopReason: String?) -> JSONValue {
        stopReason == "refusal" ? .object(["type": .string("refusal"), "category": .null, "explanation": .null]) : .null
    }

    enum ContentBlock: Sendable {
        /// Text, with Copilot's citations in it (nil while it streams).
        case text(String, citations: [TextCitation]? = nil)
        case toolUse(id: String, name: String, input: JSONValue)

        var json: JSONValue {
            switch self {
            case .text(let text, let citations):
                .object(["type": .string("text"), "text": .string(text), "citations": citations.map { .array($0.map(Self.citation)) } ?? .null])
            case .toolUse(let id, let name, let input):
                .object([
                    "type": .string("tool_use"), "id": .string(id), "name": .string(name), "input": input,
                    "caller": .object(["type": .string("direct")]),
                ])
            }
        }

        /// A citation as the result location of a web search: Copilot's answers cite the web pages it read.
        /// Its `encrypted_index` is the marker's number, which is no secret.
        static func citation(_ citation: TextCitation) -> JSONValue {
            .object([
                "type": .string("web_search_result_location"), "url": .string(citation.url), "title": .string(citation.title),
                "cited_text": .string(citation.citedText), "encrypted_index": .string(String(citation.start)),
            ])
        }
    }

    struct Usage: Sendable {
        var inputTokens: Int
        var outputTokens: Int

        /// With the prompt-cache counts Anthropic's clients read, always zero here (Copilot caches no
        /// prompts for the client), no thinking tokens, and null where Copilot says nothing (where the
        /// answer ran, its service tier, server tools).
        var json: JSONValue {
            .object([
                "input_tokens": .number(Double(inputTokens)), "output_tokens": .number(Double(outputTokens)),
                "cache_creation_input_tokens": .number(0), "cache_read_input_tokens": .number(0),
                "cache_creation": .object(["ephemeral_1h_input_tokens": .number(0), "ephemeral_5m_input_tokens": .number(0)]),
                "output_tokens_details": .object(["thinking_tokens": .number(0)]),
                "inference_geo": .null, "server_tool_use": .null, "service_tier": .null, "iterations": .null, "speed": .null,
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
