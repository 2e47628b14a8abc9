/// What Copilot's complete reply means for the client.
enum ReplyReading: Equatable {
    /// An ordinary answer (for JSON mode: the JSON object, cleaned).
    case answer(String)
    /// Calls to offered tools, and the prose before the first one.
    case calls([CopilotToolCall], leadingText: String)
    /// The reply lacks the form the turn demands: Copilot is asked again (see `CopilotPrompt.correction`).
    case needsCorrection(Correction)

    enum Correction: Equatable {
        /// A call that cannot be used: the offered tool it named, if any, and the required arguments it lacked.
        case unusableCall(tool: String?, missing: [String])
        /// `tool_choice` demands a call (of this tool, when named) and the reply made none.
        case callRequired(String?)
        /// JSON mode, and the reply holds no usable JSON object.
        case jsonRequired
    }

    /// Reads `text` for a turn that offered `tools` and wants `format`.
    static func of(_ text: String, tools: ToolCatalogue?, format: ResponseFormat) -> ReplyReading {
        if let tools {
            if let (calls, leading) = ToolCallReader.read(text, catalogue: tools) { return .calls(calls, leadingText: leading) }
            if let attempt = ToolCallReader.failedAttempt(in: text, catalogue: tools) {
                return .needsCorrection(.unusableCall(tool: attempt.tool, missing: attempt.missing))
            }
            if tools.requiresCall {
                let name: String? = if case .named(let name) = tools.choice { name } else { nil }
                return .needsCorrection(.callRequired(name))
            }
        }
        switch format {
        case .text:
            return .answer(text)
        case .jsonObject, .jsonSchema:
            if let json = ToolCallReader.readJSON(text, schema: format.schema) { return .answer(json) }
            return .needsCorrection(.jsonRequired)
        }
    }
}
