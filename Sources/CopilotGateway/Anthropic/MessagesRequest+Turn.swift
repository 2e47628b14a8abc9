extension ConversationSpace {
    /// The Anthropic Messages API's conversations.
    static let anthropicMessages = ConversationSpace("anthropic.messages")
}

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
            .filter { !$0.hasPrefix("x-anthropic-billing-header:") }
        if let orphan = Self.resultWithoutCall(in: messages) {
            throw .invalidRequest(
                "messages.\(orphan.message).content.\(orphan.block): unexpected `tool_use_id` found in `tool_result` blocks: \(orphan.id). Each `tool_result` block must have a corresponding `tool_use` block in an earlier message.")
        }
        let entries = messages.flatMap(Self.entries(of:))
        do {
            return try TurnRequest(
                model: model, caller: caller, session: sessionNames(header: session), instructions: instructions, entries: entries,
                tools: catalogue, stream: stream, webSearch: webSearch, space: .anthropicMessages)
        } catch .nothingToAnswer {
            throw .invalidRequest(
                "messages: the conversation ends with an assistant message (a prefill, or calls without their results); Copilot cannot continue a partial reply. End `messages` with a user message or `tool_result` blocks.")
        } catch {
            throw AnthropicError(error)
        }
    }

    /// The first `tool_result` that answers no `tool_use` made earlier in `messages`, as Anthropic refuses it.
    static func resultWithoutCall(in messages: [Message]) -> (message: Int, block: Int, id: String)? {
        var calls: Set<String> = []
        for (messageIndex, message) in messages.enumerated() {
            for (blockIndex, block) in message.content.enumerated() {
                switch block {
                case .toolUse(let id, _, _): calls.insert(id)
                case .toolResult(let id, _, _) where !calls.contains(id): return (messageIndex, blockIndex, id)
                default: break
                }
            }
        }
        return nil
    }

    /// The client's own names for the conversation, in order: a session header, the `session_id`
    /// Claude Code sends inside `metadata.user_id` (a flat JSON object of about 200 bytes), else
    /// `metadata.user_id` itself.
    func sessionNames(header: String?) -> [SessionName] {
        var names = header.map { [SessionName.session($0)] } ?? []
        guard let user = metadata?.userID, !user.isEmpty else { return names }
        if let session = Self.sessionID(inUserID: user) {
            names.append(.session(session))
        } else {
            names.append(.user(user))
        }
        return names
    }

    /// How a `user_id` that holds a session is read: at most 1 KiB, an object of strings one level deep.
    static let userIDLimits = (bytes: 1024, json: JSONLimits(depth: 1, values: 32))

    /// The `session_id` of a `user_id` written as Claude Code writes it; any other `user_id` (longer,
    /// nested, not JSON) is a name as it stands and is never read as JSON.
    static func sessionID(inUserID user: String) -> String? {
        guard user.hasPrefix("{"), user.utf8.count <= userIDLimits.bytes,
            case .string(let session)? = (try? JSONValue(parsing: user, limits: userIDLimits.json))?["session_id"], !session.isEmpty
        else { return nil }
        return session
    }

    /// The client tools as a catalogue (nil when none, or `tool_choice` is `none`), and whether the
    /// turn asked for Anthropic's web search server tool (web grounding). Other server tools are refused.
    func toolCatalogue() throws(AnthropicError) -> (ToolCatalogue?, webSearch: Bool?) {
        var declared: [DeclaredTool] = []
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
            declared.append(DeclaredTool(name: tool.name, description: tool.description, parameters: tool.inputSchema, place: "tools.\(index).name"))
        }
        do {
            let catalogue = try ToolCatalogue.offering(
                declared, choice: toolChoice.map(\.choice), allowsParallelCalls: toolChoice?.disableParallelToolUse != true, maxNameLength: 128)
            return (catalogue, webSearch)
        } catch {
            throw Self.wording(error)
        }
    }

    /// The core's tool problems in this dialect's words.
    static func wording(_ problem: ToolCatalogue.Problem) -> AnthropicError {
        switch problem {
        case .invalidName(_, let place, let maxLength):
            .invalidRequest("\(place): must be 1 to \(maxLength) letters, digits, underscores or hyphens.")
        case .choiceNotOffered(let name):
            .invalidRequest("tool_choice.name: `\(name)` is not among the offered tools.")
        }
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
