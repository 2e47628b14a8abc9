/// The payloads of Anthropic's stream events (see `MessagesEncoder`).
extension MessagesEncoder {
    struct Start: Encodable {
        var type = "message_start"
        var message: AnthropicMessage
    }

    struct BlockStart: Encodable {
        var type = "content_block_start"
        var index: Int
        var contentBlock: AnthropicMessage.ContentBlock
        enum CodingKeys: String, CodingKey { case type, index, contentBlock = "content_block" }
    }

    struct Delta: Encodable {
        var type = "content_block_delta"
        var index: Int
        var delta: Piece

        enum Piece: Encodable {
            case text(String)
            case json(String)

            enum CodingKeys: String, CodingKey { case type, text, partialJSON = "partial_json" }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                switch self {
                case .text(let text):
                    try container.encode("text_delta", forKey: .type)
                    try container.encode(text, forKey: .text)
                case .json(let json):
                    try container.encode("input_json_delta", forKey: .type)
                    try container.encode(json, forKey: .partialJSON)
                }
            }
        }
    }

    struct BlockStop: Encodable {
        var type = "content_block_stop"
        var index: Int
    }

    struct MessageDelta: Encodable {
        var stopReason: String
        var usage: AnthropicMessage.Usage

        enum CodingKeys: String, CodingKey { case type, delta, usage }
        enum DeltaKeys: String, CodingKey { case stopReason = "stop_reason", stopSequence = "stop_sequence" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("message_delta", forKey: .type)
            var delta = container.nestedContainer(keyedBy: DeltaKeys.self, forKey: .delta)
            try delta.encode(stopReason, forKey: .stopReason)
            try delta.encodeNil(forKey: .stopSequence)
            try container.encode(usage, forKey: .usage)
        }
    }
}
