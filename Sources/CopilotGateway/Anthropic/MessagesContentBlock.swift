extension MessagesRequest {
    /// A content block of a message.
    enum ContentBlock: Decodable, Sendable {
        case text(String)
        /// `image` or `document`: Copilot cannot receive it; a note says one was attached.
        case attachment(image: Bool)
        case toolUse(id: String, name: String, input: JSONValue)
        case toolResult(toolUseID: String, content: String, isError: Bool)
        /// `thinking` and `redacted_thinking`: accepted and left out.
        case thinking

        enum CodingKeys: String, CodingKey {
            case type, text, id, name, input, content, title, source
            case toolUseID = "tool_use_id", isError = "is_error"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "text":
                self = .text(try container.decode(String.self, forKey: .text))
            case "image":
                self = .attachment(image: true)
            case "document":
                self = .attachment(image: false)
            case "tool_use", "server_tool_use":
                self = .toolUse(
                    id: try container.decode(String.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
                    input: try container.decodeIfPresent(JSONValue.self, forKey: .input) ?? .object([:]))
            case "tool_result":
                self = .toolResult(
                    toolUseID: try container.decode(String.self, forKey: .toolUseID), content: try Self.text(in: container),
                    isError: try container.decodeIfPresent(Bool.self, forKey: .isError) ?? false)
            case "search_result":
                let title = try container.decodeIfPresent(String.self, forKey: .title)
                let source = try container.decodeIfPresent(String.self, forKey: .source)
                let body = try Self.text(in: container)
                self = .text([title, source, body].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n"))
            case "thinking", "redacted_thinking":
                self = .thinking
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container,
                    debugDescription: "'\(type)' is not a content block the gateway can pass on; expected text, image, document, tool_use, tool_result, search_result or thinking")
            }
        }

        /// `content` as a string, or the text of its text blocks (other blocks become a note).
        private static func text(in container: KeyedDecodingContainer<CodingKeys>) throws -> String {
            if let text = try? container.decodeIfPresent(String.self, forKey: .content) { return text }
            let blocks = try container.decodeIfPresent([ContentBlock].self, forKey: .content) ?? []
            return blocks.map { block -> String in
                switch block {
                case .text(let text): text
                case .attachment(let image): image ? CopilotPrompt.imageAttachmentNote : CopilotPrompt.documentAttachmentNote
                default: ""
                }
            }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
        }
    }
}
