import HTTPTypes

extension ConversationSpace {
    /// Chat Completions' conversations: the unnamed space, where earlier versions recorded them.
    static let chatCompletions = ConversationSpace("")
}

/// The Chat Completions dialect's decoder: a request becomes the core's neutral `TurnRequest`.
extension ChatCompletionRequest {
    /// The turn this request asks for, or an OpenAI error that says precisely what is wrong.
    func turnRequest(caller: String, headers: HTTPFields) throws(OpenAIError) -> TurnRequest {
        // The tools first: a function name the rules refuse was once a decoding error, before any other check.
        let catalogue: ToolCatalogue?
        do {
            catalogue = try ToolCatalogue.offering(tools, choice: toolChoice, allowsParallelCalls: parallelToolCalls ?? true, maxNameLength: 64)
        } catch {
            throw Self.wording(error)
        }
        guard !messages.isEmpty else { throw OpenAIError(TurnRequestError.noMessages) }
        if let n, n != 1 {
            throw .invalidRequest("Only one choice per request is supported: `n` must be 1.", param: "n")
        }
        var instructions = messages.filter { $0.role == .system || $0.role == .developer }.map { Transcript.text(of: $0.content.turnContent) }
        var entries = messages.compactMap(\.turnEntry)
        if entries.isEmpty {
            // Only system or developer messages, which OpenAI answers: they are the turn itself.
            entries = [.user([.text(instructions.map(\.trimmingWhitespace).filter { !$0.isEmpty }.joined(separator: "\n\n"))])]
            instructions = []
        }
        do {
            return try TurnRequest(
                model: model, caller: caller, session: sessionNames(headers: headers), instructions: instructions,
                entries: entries, tools: catalogue, responseFormat: responseFormat, stream: stream == true, space: .chatCompletions)
        } catch {
            throw OpenAIError(error)
        }
    }

    /// The core's tool problems in this dialect's words.
    static func wording(_ problem: ToolCatalogue.Problem) -> OpenAIError {
        switch problem {
        case .invalidName(let name, let place, let maxLength):
            .invalidRequest(
                "Invalid value for `\(place)`: '\(name ?? "")' is not a valid function name: use 1 to \(maxLength) letters, digits, underscores or dashes.",
                param: place)
        case .choiceNotOffered(let name):
            .invalidRequest("`tool_choice` names the function '\(name)', which is not among the offered `tools`.", param: "tool_choice")
        }
    }

    /// The client's own names for the conversation, in order: `user`, or the `X-Session-Id` or
    /// AstrBot's `x-astrbot-conversation-id` header.
    func sessionNames(headers: HTTPFields) -> [SessionName] {
        [
            user.map(SessionName.user), headers[HTTPField.Name("X-Session-Id")!].map(SessionName.session),
            headers[HTTPField.Name("x-astrbot-conversation-id")!].map(SessionName.astrbot),
        ].compactMap { $0 }
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
