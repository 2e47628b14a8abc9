/// What Copilot's reply means for the client.
enum ReplyReading: Equatable {
    /// An ordinary answer (for JSON mode: the JSON object, cleaned).
    case answer(String)
    /// Calls to offered tools, and the prose before the first one.
    case calls([ToolCall], leadingText: String)
    /// The reply lacks the form the turn demands; the text asks Copilot again.
    case correction(String)

    static func of(_ text: String, _ turn: PreparedTurn) -> ReplyReading {
        if let tools = turn.tools {
            if case .calls(let calls, let leading) = ToolCallReader.read(text, catalogue: tools) { return .calls(calls, leadingText: leading) }
            if let attempt = ToolCallReader.failedAttempt(in: text, catalogue: tools) {
                let which = attempt.tool.map { "calling \($0)" } ?? "calling one of the offered tools by its exact name"
                let missing = attempt.missing.isEmpty ? "" : " It lacked the required argument(s) \(attempt.missing.joined(separator: ", "))."
                return .correction(
                    "GATEWAY CORRECTION: Your tool call could not be used.\(missing) Answer again with only a <tool_call> block \(which), with every required argument, and nothing else.")
            }
            if tools.requiresCall {
                let which = if case .named(let name) = tools.choice { "calling \(name)" } else { "calling one of the tools" }
                return .correction("GATEWAY CORRECTION: Answer again with only a <tool_call> block \(which), with every required argument, and nothing else.")
            }
        }
        switch turn.responseFormat {
        case .text:
            return .answer(text)
        case .jsonObject, .jsonSchema:
            if let json = ToolCallReader.readJSON(text, schema: turn.responseFormat.schema) { return .answer(json) }
            return .correction("GATEWAY CORRECTION: Answer again with only one JSON object, no code fence and no other text.\n" + (turn.responseFormat.instruction ?? ""))
        }
    }
}

extension ResponseFormat {
    var schema: JSONValue? {
        if case .jsonSchema(let schema) = self { return schema }
        return nil
    }

    /// The instruction that asks Copilot for JSON.
    var instruction: String? {
        switch self {
        case .text: nil
        case .jsonObject: "JSON MODE: answer with one JSON object only (no code fence, no text before or after it)."
        case .jsonSchema(let schema):
            "JSON MODE: answer with one JSON object only (no code fence, no text before or after it).\n"
                + (schema.map { "JSON SCHEMA: \($0.compactText)" } ?? "")
        }
    }
}
