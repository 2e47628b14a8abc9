import HTTPTypes

/// The Chat Completions dialect's decoder: a request becomes the core's neutral `TurnRequest`.
extension ChatCompletionRequest {
    /// The turn this request asks for, or an OpenAI error that says precisely what is wrong.
    func turnRequest(caller: String, sessionKey: String?) throws(OpenAIError) -> TurnRequest {
        guard !messages.isEmpty else { throw OpenAIError(TurnRequestError.noMessages) }
        if case .named(let name)? = toolChoice, !tools.isEmpty, !tools.contains(where: { $0.name == name }) {
            throw .invalidRequest("`tool_choice` names the function '\(name)', which is not among the offered `tools`.", param: "tool_choice")
        }
        if let n, n != 1 {
            throw .invalidRequest("Only one choice per request is supported: `n` must be 1.", param: "n")
        }
        let instructions = messages
            .filter { $0.role == .system || $0.role == .developer }
            .map { Transcript.text(of: $0.content.turnContent) }
            .filter { !$0.isEmpty }
        let catalogue = tools.isEmpty || toolChoice == ToolChoice.none
            ? nil : ToolCatalogue(tools: tools, choice: toolChoice ?? .auto, allowsParallelCalls: parallelToolCalls ?? true)
        do {
            return try TurnRequest(
                model: model.flatMap { $0.isEmpty ? nil : $0 } ?? "copilot", caller: caller, sessionKey: sessionKey,
                instructions: instructions.isEmpty ? nil : instructions.joined(separator: "\n\n"), entries: messages.compactMap(\.turnEntry),
                tools: catalogue, responseFormat: responseFormat, stream: stream == true)
        } catch {
            throw OpenAIError(error)
        }
    }

    /// The client's own name for the conversation, if it gives one: `user`, or the `X-Session-Id` or
    /// AstrBot's `x-astrbot-conversation-id` header.
    func sessionKey(headers: HTTPFields) -> String? {
        let candidates = [
            user.map { "user:\($0)" },
            headers[HTTPField.Name("X-Session-Id")!].map { "session:\($0)" },
            headers[HTTPField.Name("x-astrbot-conversation-id")!].map { "astrbot:\($0)" },
        ]
        return candidates.compactMap { $0 }.first { !$0.hasSuffix(":") }
    }
}

extension ChatMessage {
    /// The message as a conversation entry; nil for system and developer messages (the instructions).
    var turnEntry: TurnEntry? {
        let content = self.content.turnContent
        switch role {
        case .system, .developer: return nil
        case .user: return .user(content)
        case .assistant: return .assistant(content, calls: (toolCalls ?? []).map { HistoryCall(id: $0.id, name: $0.function?.name, arguments: $0.function?.arguments) })
        case .tool, .function: return .toolResult(callID: toolCallID, name: name, content)
        }
    }
}

extension MessageContent? {
    /// Text parts, and pictures and sound as such; parts of other kinds are left out.
    var turnContent: [TurnContent] {
        switch self {
        case .none: []
        case .text(let text)?: [.text(text)]
        case .parts(let parts)?:
            parts.compactMap { part -> TurnContent? in
                switch part {
                case .text(let text): .text(text)
                case .image: .image
                case .audio: .audio
                case .other: nil
                }
            }
        }
    }
}
