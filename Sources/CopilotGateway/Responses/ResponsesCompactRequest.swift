/// `POST /v1/responses/compact` and `POST /v1/responses/input_tokens`: a conversation given as
/// `input` (a string or items), after the one `previous_response_id` names, with its `instructions`.
/// Other fields (`tools`, `reasoning`, `text`, `parallel_tool_calls`, which Codex sends with a
/// compaction) are accepted and ignored.
struct ResponsesConversationRequest: Decodable, Sendable {
    var model: String?
    var input: [ResponsesRequest.Item]
    var instructions: String?
    var previousResponseID: String?

    enum CodingKeys: String, CodingKey {
        case model, input, instructions
        case previousResponseID = "previous_response_id"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        if let text = try? container.decode(String.self, forKey: .input) {
            input = [.message(role: .user, content: [.text(text)])]
        } else {
            input = try container.decodeIfPresent([ResponsesRequest.Item].self, forKey: .input) ?? []
        }
        instructions = try container.decodeIfPresent(String.self, forKey: .instructions)
        previousResponseID = try container.decodeIfPresent(String.self, forKey: .previousResponseID)
    }

    /// The fields the documents give a type (`CompactResponseMethodPublicBody`; the input-token count's
    /// body); `model` is required by the compaction, not by the count.
    static func fieldRules(requiringModel: Bool) -> [FieldRule] {
        [
            FieldRule("model", .string(maxLength: nil), nullable: !requiringModel, required: requiringModel),
            FieldRule("instructions", .string(maxLength: nil)),
            FieldRule("previous_response_id", .string(maxLength: nil)),
            FieldRule("prompt_cache_key", .string(maxLength: 64)),
            FieldRule("tools", .array(maxCount: nil)),
            FieldRule("parallel_tool_calls", .boolean),
            FieldRule("truncation", .oneOf(["auto", "disabled"])),
        ]
    }
}
