/// The Anthropic Messages dialect's decoder: a request becomes the core's neutral `TurnRequest`.
extension MessagesRequest {
    /// The turn this request asks for, or an Anthropic error that says precisely what is wrong.
    /// `session` is the client's session header (Claude Code's `x-claude-code-session-id`), if any.
    func turnRequest(caller: String, session: String? = nil) throws(AnthropicError) -> TurnRequest {
        guard let maxTokens else { throw .invalidRequest("max_tokens: Field required") }
        guard maxTokens >= 1 else { throw .invalidRequest("max_tokens: must be at least 1.") }
        guard !messages.isEmpty else { throw AnthropicError(TurnRequestError.noMessages) }
        let (catalogue, webSearch) = try toolCatalogue()
        // `system`, then any system message inside the list (Claude Code sends one after the user's);
        // not Claude Code's attribution block, which changes with every request of older versions.
        let instructions = (system.map(\.text) + messages.filter { $0.role == .system }.map(Self.text(of:)))
            .map(\.trimmingWhitespace)
            .filter { !$0.isEmpty && !$0.hasPrefix("x-anthropic-billing-header:") }
        let entries = messages.flatMap(Self.entries(of:))
        do {
            return try TurnRequest(
                model: model.isEmpty ? "copilot" : model, caller: caller, sessionKey: sessionKey(header: session),
                instructions: instructions.isEmpty ? nil : instructions.joined(separator: "\n\n"), entries: entries, tools: catalogue,
                stream: stream, webSearch: webSearch, dialect: .anthropicMessages)
        } catch .nothingToAnswer {
            throw .invalidRequest(
                "messages: the conversation ends with an assistant message (a prefill, or calls without their results); Copilot cannot continue a partial reply. End `messages` with a user message or `tool_result` blocks.")
        } catch {
            throw AnthropicError(error)
        }
    }

    /// The client's own name for the conversation: a session header, else `metadata.user_id` (whose
    /// `session_id` Claude Code sends inside a JSON string), else none.
    func sessionKey(header: String?) -> String? {
        if let header, !header.isEmpty { return "session:\(header)" }
        guard let user = metadata?.userID, !user.isEmpty else { return nil }
        if user.hasPrefix("{"), case .string(let session)? = LenientJSON.parse(Substring(user))?["session_id"], !session.isEmpty {
            return "session:\(session)"
        }
        return "user:\(user)"
    }

    /// The client tools as a catalogue (nil when none, or `tool_choice` is `none`), and whether the
    /// turn asked for Anthropic's web search server tool (web grounding). Other server tools are refused.
    func toolCatalogue() throws(AnthropicError) -> (ToolCatalogue?, webSearch: Bool?) {
        var offered: [OfferedTool] = []
        var webSearch: Bool?
        for (index, tool) in tools.enumerated() {
            if let type = tool.anthropicToolType {
                if type.hasPrefix("web_search") { webSearch = true }
                // Anthropic's tool search finds deferred tools; every tool here is offered anyway.
                guard type.hasPrefix("web_search") || type.hasPrefix("tool_search_tool") else {
                    throw .invalidRequest(
                        "tools.\(index): `\(type)` is one of Anthropic's own tools, whose definition lives on Anthropic's servers, so the gateway cannot describe it to Copilot; offer it as a custom tool (name, description, input_schema) instead.")
                }
                continue
            }
            guard let name = tool.name, Self.isValidToolName(name) else {
                throw .invalidRequest("tools.\(index).name: must be 1 to 128 letters, digits, underscores or hyphens.")
            }
            offered.append(OfferedTool(name: name, description: tool.description ?? "", parameters: tool.inputSchema ?? .object([:])))
        }
        guard !offered.isEmpty else { return (nil, webSearch) }
        let choice: ToolChoice
        switch toolChoice?.type {
        case .none?: return (nil, webSearch)
        case .any?: choice = .required
        case .tool?:
            guard let name = toolChoice?.name, offered.contains(where: { $0.name == name }) else {
                throw .invalidRequest("tool_choice.name: `\(toolChoice?.name ?? "")` is not among the offered tools.")
            }
            choice = .named(name)
        case .auto?, nil: choice = .auto
        }
        return (ToolCatalogue(tools: offered, choice: choice, allowsParallelCalls: toolChoice?.disableParallelToolUse != true), webSearch)
    }

    /// Anthropic's rule for tool names: `^[a-zA-Z0-9_-]{1,128}$`.
    static func isValidToolName(_ name: String) -> Bool {
        OfferedTool.isValidName(name, maxLength: 128)
    }

    /// A message as conversation entries: tool results become entries of their own, in their place
    /// among the user's text; an assistant's `tool_use` blocks become its calls.
    static func entries(of message: Message) -> [TurnEntry] {
        switch message.role {
        case .system:
            return []
        case .assistant:
            var content: [TurnContent] = []
            var calls: [HistoryCall] = []
            for block in message.content {
                switch block {
                case .text(let text): content.append(.text(text))
                case .attachment(let image): content.append(image ? .image : .document)
                case .toolUse(let id, let name, let input): calls.append(HistoryCall(id: id, name: name, arguments: input.compactText))
                case .toolResult, .ignored: break
                }
            }
            return [.assistant(content, calls: calls)]
        case .user:
            var entries: [TurnEntry] = []
            var pending: [TurnContent] = []
            for block in message.content {
                switch block {
                case .text(let text): pending.append(.text(text))
                case .attachment(let image): pending.append(image ? .image : .document)
                case .toolResult(let id, let content, let isError):
                    if !pending.isEmpty { entries.append(.user(pending)) }
                    pending = []
                    entries.append(.toolResult(callID: id, name: nil, [.text(isError ? CopilotPrompt.failedToolResult(content) : content)]))
                case .toolUse, .ignored: break
                }
            }
            if !pending.isEmpty || entries.isEmpty { entries.append(.user(pending)) }
            return entries
        }
    }

    /// A system message's text.
    static func text(of message: Message) -> String {
        message.content.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
    }
}
