extension ConversationSpace {
    /// The Responses API's conversations.
    static let responses = ConversationSpace("openai.responses")
}

/// The Responses dialect's decoder: a request becomes the core's neutral `TurnRequest`.
extension ResponsesRequest {
    /// The turn this request asks for, or an OpenAI error that names the field at fault. `previous`
    /// is the kept conversation `previous_response_id` names: it comes before `input`, and its
    /// instructions stand when the request gives none.
    func turnRequest(caller: String, previous: KeptConversation? = nil, seal: CompactionSeal? = nil) throws(OpenAIError) -> TurnRequest {
        if let field = unsupportedField {
            throw .invalidRequest(
                "`\(field)` (stored conversations and prompt templates) is not supported by this gateway: send the conversation in `input`, or continue with `previous_response_id`.",
                param: field)
        }
        if background {
            throw .invalidRequest(
                "`background` responses are not supported by this gateway: Copilot answers while the request is open; stream the response instead.",
                param: "background")
        }
        guard !input.isEmpty else { throw .invalidRequest("`input` must not be empty.", param: "input") }
        let (catalogue, webSearch) = try toolCatalogue()
        let format = try responseFormat()
        let given = ([instructions ?? ""] + input.compactMap(Self.systemText)).map(\.trimmingWhitespace).filter { !$0.isEmpty }
        let instructions = given.isEmpty ? (previous?.instructions.map { [$0] } ?? []) : given
        let entries = try Self.entries(of: input, after: previous?.entries ?? [], seal: seal)
        do {
            return try TurnRequest(
                model: model, caller: caller, session: sessionNames, instructions: instructions, entries: entries, tools: catalogue,
                responseFormat: format, stream: stream, webSearch: webSearch, space: .responses)
        } catch {
            throw Self.wording(error)
        }
    }

    /// The client's own names for the conversation, in order: `prompt_cache_key` (Codex sends one per
    /// session), `user`, `safety_identifier`.
    var sessionNames: [SessionName] {
        [promptCacheKey.map(SessionName.session), user.map(SessionName.user), safetyIdentifier.map(SessionName.user)].compactMap { $0 }
    }

    /// The core's request errors in this dialect's words (its field is `input`, not `messages`).
    static func wording(_ error: TurnRequestError) -> OpenAIError {
        let message = switch error {
        case .noMessages: "`input` must not be empty."
        case .noUserMessage: "`input` must contain a user message."
        case .nothingToAnswer: "The last input item must be from the user (or a function_call_output); there is nothing for Copilot to answer."
        case .noText: "The user message has no text for Copilot to answer."
        }
        return .invalidRequest(message, param: "input")
    }

    /// What comes before a compacted conversation's summary, as Copilot is told it.
    static let summaryPreamble = "[Summary of our conversation so far, which was compacted]\n\n"

    static func systemText(_ item: Item) -> String? {
        guard case .message(let role, let content) = item, role == .system || role == .developer else { return nil }
        return Transcript.text(of: content)
    }

    /// The items as conversation entries after `earlier` (a previous response's conversation): a call
    /// joins the assistant message before it; every output must answer a call made before it; a
    /// compaction item is the summary it sealed (`seal` opens it), told as what the conversation was.
    static func entries(of input: [Item], after earlier: [TurnEntry] = [], seal: CompactionSeal? = nil) throws(OpenAIError) -> [TurnEntry] {
        var entries = earlier
        var calls: Set<String> = []
        for case .assistant(_, let made) in earlier {
            calls.formUnion(made.compactMap(\.id))
        }
        func addCall(_ call: HistoryCall) {
            if case .assistant(let content, let earlier)? = entries.last {
                entries[entries.count - 1] = .assistant(content, calls: earlier + [call])
            } else {
                entries.append(.assistant([], calls: [call]))
            }
        }
        for (index, item) in input.enumerated() {
            switch item {
            case .message(.user, let content): entries.append(.user(content))
            case .message(.assistant, let content): entries.append(.assistant(content))
            case .message: break
            case .functionCall(let id, let name, let arguments):
                calls.insert(id)
                addCall(HistoryCall(id: id, name: name, arguments: arguments))
            case .customToolCall(let id, let name, let input):
                calls.insert(id)
                addCall(HistoryCall(id: id, name: name, arguments: JSONValue.object(["input": .string(input)]).compactText))
            case .functionCallOutput(let id, let output), .customToolCallOutput(let id, let output):
                guard calls.contains(id) else {
                    throw .invalidRequest("`input[\(index)].call_id` '\(id)' answers no call made earlier in `input`.", param: "input[\(index)].call_id")
                }
                entries.append(.toolResult(callID: id, name: nil, [.text(output)]))
            case .compaction(let sealed):
                guard let content = seal?.open(sealed) else {
                    throw .invalidRequest(
                        "`input[\(index)].encrypted_content` is not a compaction this gateway made, or it was changed: send the item exactly as `/v1/responses/compact` returned it.",
                        param: "input[\(index)].encrypted_content", code: "invalid_encrypted_content")
                }
                entries.append(.user([.text(Self.summaryPreamble + content.summary)]))
            case .ignored: break
            }
        }
        return entries
    }
}
