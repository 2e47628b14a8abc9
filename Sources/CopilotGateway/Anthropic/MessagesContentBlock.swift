extension MessagesRequest {
    /// A content block of a message.
    enum ContentBlock: Decodable, Sendable {
        case text(String)
        /// An `image`, or a `document` whose source is not text: Copilot cannot receive it; a note says one was attached.
        case attachment(image: Bool)
        case toolUse(id: String, name: String, input: JSONValue)
        case toolResult(toolUseID: String, content: String, isError: Bool)
        /// Blocks that carry nothing for Copilot: `thinking`, `redacted_thinking`, and the server tools'
        /// calls and results a client replays from an earlier answer (`server_tool_use`,
        /// `web_search_tool_result` and the like, `mcp_tool_use`, `container_upload`, `compaction`).
        case ignored

        enum CodingKeys: String, CodingKey {
            case type, text, id, name, input, content, title, source, context
            case toolUseID = "tool_use_id", isError = "is_error"
        }

        /// Kinds a client may replay from an answer of Anthropic's own servers; left out.
        static let replayedKinds: Set<String> = [
            "thinking", "redacted_thinking", "server_tool_use", "mcp_tool_use", "mcp_tool_result", "container_upload", "compaction",
        ]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "text":
                self = .text(try container.decode(String.self, forKey: .text))
            case "image":
                self = .attachment(image: true)
            case "document":
                self = try Self.document(container)
            case "tool_use":
                self = .toolUse(
                    id: try container.decode(String.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
                    input: try container.decodeIfPresent(JSONValue.self, forKey: .input) ?? .object([:]))
            case "tool_result":
                self = .toolResult(
                    toolUseID: try container.decode(String.self, forKey: .toolUseID),
                    content: Self.text(of: try container.decodeIfPresent(JSONValue.self, forKey: .content)),
                    isError: try container.decodeIfPresent(Bool.self, forKey: .isError) ?? false)
            case "search_result":
                let title = try container.decodeIfPresent(String.self, forKey: .title)
                let source = try container.decodeIfPresent(String.self, forKey: .source)
                let body = Self.text(of: try container.decodeIfPresent(JSONValue.self, forKey: .content))
                self = .text([title, source, body].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n"))
            case _ where Self.replayedKinds.contains(type) || type.hasSuffix("_tool_result"):
                self = .ignored
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container,
                    debugDescription: "'\(type)' is not a content block the gateway can pass on; expected text, image, document, tool_use, tool_result, search_result or thinking")
            }
        }

        /// A document whose source is text (`text`, or `content` blocks) is passed on as text, with its
        /// title and context; any other is a note that one was attached.
        private static func document(_ container: KeyedDecodingContainer<CodingKeys>) throws -> ContentBlock {
            let source = try container.decodeIfPresent(JSONValue.self, forKey: .source)
            let body: String? = switch source?["type"]?.stringValue {
            case "text": source?["data"]?.stringValue
            case "content": text(of: source?["content"])
            default: nil
            }
            guard let body else { return .attachment(image: false) }
            let title = try container.decodeIfPresent(String.self, forKey: .title)
            let context = try container.decodeIfPresent(String.self, forKey: .context)
            return .text([title, context, body].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n"))
        }

        /// A `content` that is a string, or blocks: their text, images and documents as notes, anything
        /// else (a `tool_reference`, say) left out.
        static func text(of content: JSONValue?) -> String {
            switch content {
            case .string(let text)?:
                return text
            case .array(let blocks)?:
                return blocks.compactMap { block -> String? in
                    switch block["type"]?.stringValue {
                    case "text": block["text"]?.stringValue
                    case "image": CopilotPrompt.imageAttachmentNote
                    case "document": block["source"]?["data"]?.stringValue ?? CopilotPrompt.documentAttachmentNote
                    default: nil
                    }
                }
                .filter { !$0.isEmpty }
                .joined(separator: "\n")
            default:
                return ""
            }
        }
    }
}
