extension ResponsesRequest {
    /// One item of `input`.
    enum Item: Decodable, Sendable {
        enum Role: String, WireEnum, Sendable { case user, assistant, system, developer }

        case message(role: Role, content: [TurnContent])
        case functionCall(callID: String, name: String, arguments: String)
        case functionCallOutput(callID: String, output: String)
        /// A call of a `custom` tool: its input is free text.
        case customToolCall(callID: String, name: String, input: String)
        case customToolCallOutput(callID: String, output: String)
        /// A `compaction` item `POST /v1/responses/compact` made: its sealed summary.
        case compaction(encryptedContent: String)
        /// `reasoning`, and the output items of built-in tools a client replays (`web_search_call`).
        case ignored

        enum CodingKeys: String, CodingKey {
            case type, role, content, name, arguments, output, input
            case callID = "call_id", encryptedContent = "encrypted_content"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decodeIfPresent(String.self, forKey: .type) ?? "message"
            switch type {
            case "message":
                let role = try container.decode(Role.self, forKey: .role)
                if let text = try? container.decode(String.self, forKey: .content) {
                    self = .message(role: role, content: [.text(text)])
                } else {
                    self = .message(role: role, content: try container.decode([Part].self, forKey: .content).map(\.content))
                }
            case "function_call":
                self = .functionCall(
                    callID: try container.decode(String.self, forKey: .callID), name: try container.decode(String.self, forKey: .name),
                    arguments: try container.decode(String.self, forKey: .arguments))
            case "function_call_output":
                self = .functionCallOutput(callID: try container.decode(String.self, forKey: .callID), output: try Self.output(container))
            case "custom_tool_call":
                self = .customToolCall(
                    callID: try container.decode(String.self, forKey: .callID), name: try container.decode(String.self, forKey: .name),
                    input: try container.decode(String.self, forKey: .input))
            case "custom_tool_call_output":
                self = .customToolCallOutput(callID: try container.decode(String.self, forKey: .callID), output: try Self.output(container))
            case "compaction", "compaction_summary":
                self = .compaction(encryptedContent: try container.decode(String.self, forKey: .encryptedContent))
            case "reasoning", "web_search_call":
                self = .ignored
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container,
                    debugDescription: "'\(type)' is not an input item the gateway can pass on; expected message, function_call, function_call_output, custom_tool_call, custom_tool_call_output, compaction or reasoning")
            }
        }

        /// A call's `output`: a string, or content parts whose text is joined.
        private static func output(_ container: KeyedDecodingContainer<CodingKeys>) throws -> String {
            if let text = try? container.decode(String.self, forKey: .output) { return text }
            return Transcript.text(of: try container.decode([Part].self, forKey: .output).map(\.content))
        }
    }

    /// A content part: `input_text`, `output_text`, `refusal`, `input_image`, `input_file`.
    struct Part: Decodable, Sendable {
        var content: TurnContent

        enum CodingKeys: String, CodingKey { case type, text, refusal }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .type)
            switch type {
            case "input_text", "output_text", "text": content = .text(try container.decode(String.self, forKey: .text))
            case "refusal": content = .text(try container.decode(String.self, forKey: .refusal))
            case "input_image": content = .image
            case "input_file": content = .document
            case "input_audio": content = .audio
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: container,
                    debugDescription: "'\(type)' is not a content part the gateway can pass on; expected input_text, output_text, refusal, input_image or input_file")
            }
        }
    }
}
