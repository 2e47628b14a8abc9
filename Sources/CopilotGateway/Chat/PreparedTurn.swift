import Foundation

/// An OpenAI request turned into what one Copilot turn needs.
///
/// OpenAI clients resend the whole history; Copilot keeps it on its side. The newest user message
/// (and any tool results after the last assistant message) is the prompt; the system messages and
/// the earlier turns are there to seed a new Copilot conversation.
public struct PreparedTurn: Sendable, Equatable {
    public var model: String
    /// The text Copilot is asked, with `<system_reminder>` blocks taken out.
    public var prompt: String
    /// The `<system_reminder>` blocks' contents: context for this turn, never echoed back.
    public var reminders: [String]
    /// The system and developer messages, joined.
    public var instructions: String?
    /// The turns before the prompt, oldest first.
    public var history: [Entry]
    /// The messages of the new turn (the user's, or tool results), as they will appear in the next
    /// request's history.
    public var newTurn: [Entry]
    /// Where the client said which conversation this is (`user`, `X-Session-Id`, `x-astrbot-conversation-id`).
    public var sessionKey: String?
    /// Who is asking: conversations are never shared between callers.
    public var caller: String = "anonymous"
    /// The user asks for a picture to be made.
    public var wantsImage: Bool
    /// The tools Copilot may call this turn; nil when none are offered or `tool_choice` is `none`.
    public var tools: ToolCatalogue?
    public var responseFormat: ResponseFormat = .text

    /// Caller and session: the space a conversation belongs to.
    var scope: String { "\(caller)\u{1}\(sessionKey ?? "")" }

    public struct Entry: Sendable, Equatable {
        public var role: ChatMessage.Role
        public var text: String
    }

    /// Builds the turn, or says precisely what is wrong with the request.
    public static func prepare(_ request: ChatCompletionRequest, sessionKey: String?) throws(OpenAIError) -> PreparedTurn {
        guard !request.messages.isEmpty else {
            throw .invalidRequest("`messages` must contain at least one message.", param: "messages")
        }
        if case .named(let name)? = request.toolChoice, !request.tools.isEmpty, !request.tools.contains(where: { $0.name == name }) {
            throw .invalidRequest("`tool_choice` names the function '\(name)', which is not among the offered `tools`.", param: "tool_choice")
        }
        if let n = request.n, n != 1 {
            throw .invalidRequest("Only one choice per request is supported: `n` must be 1.", param: "n")
        }
        let instructions = request.messages
            .filter { $0.role == .system || $0.role == .developer }
            .map { text(of: $0.content) }
            .filter { !$0.isEmpty }
        let conversation = request.messages.filter { $0.role != .system && $0.role != .developer }
        guard conversation.contains(where: { $0.role == .user }) else {
            throw .invalidRequest("`messages` must contain a user message.", param: "messages")
        }
        let lastAssistant = conversation.lastIndex { $0.role == .assistant }
        let newTurn = conversation[(lastAssistant.map { $0 + 1 } ?? 0)...]
        guard newTurn.contains(where: { $0.role == .user || $0.role == .tool || $0.role == .function }) else {
            throw .invalidRequest("The last message must be from the user (or a tool result); there is nothing for Copilot to answer.", param: "messages")
        }

        // Tool results name their call by id; the call that asked for it names the tool.
        var toolNames: [String: String] = [:]
        for message in conversation {
            for call in message.toolCalls ?? [] {
                if let id = call.id, let name = call.function?.name { toolNames[id] = name }
            }
        }
        var reminders: [String] = []
        var promptParts: [String] = []
        for message in newTurn {
            let (cleaned, found) = extractReminders(from: text(of: message.content))
            reminders += found
            switch message.role {
            case .tool, .function:
                let id = message.toolCallID ?? ""
                let name = message.name ?? toolNames[id] ?? "tool"
                promptParts.append("<tool_result name=\"\(name)\" id=\"\(id)\">\n\(cleaned)\n</tool_result>")
            default:
                if !cleaned.isEmpty { promptParts.append(cleaned) }
            }
        }
        let prompt = promptParts.joined(separator: "\n\n")
        guard !prompt.isEmpty else {
            throw .invalidRequest("The user message has no text for Copilot to answer.", param: "messages")
        }
        let history = conversation[..<newTurn.startIndex].compactMap(entry)
        return PreparedTurn(
            model: request.model.flatMap { $0.isEmpty ? nil : $0 } ?? "copilot",
            prompt: prompt,
            reminders: reminders,
            instructions: instructions.isEmpty ? nil : instructions.joined(separator: "\n\n"),
            history: history,
            newTurn: newTurn.compactMap(entry),
            sessionKey: sessionKey,
            wantsImage: ImageRequest.isImageGeneration(prompt),
            tools: request.tools.isEmpty || request.toolChoice == ToolChoice.none
                ? nil
                : ToolCatalogue(tools: request.tools, choice: request.toolChoice ?? .auto, allowsParallelCalls: request.parallelToolCalls ?? true),
            responseFormat: request.responseFormat
        )
    }

    /// A message as a transcript entry: its text without reminders, and any tool calls it made.
    static func entry(_ message: ChatMessage) -> Entry? {
        var body = extractReminders(from: text(of: message.content)).text
        if let calls = message.toolCalls, !calls.isEmpty {
            body = renderedAssistantTurn(content: body, calls: calls.map { ($0.function?.name ?? "?", $0.function?.arguments ?? "{}") })
        }
        if message.role == .tool || message.role == .function {
            body = "[result of \(message.toolCallID ?? message.name ?? "a tool call")] \(body)"
        }
        return body.isEmpty ? nil : Entry(role: message.role, text: body)
    }

    /// An assistant turn with tool calls as a transcript line; the gateway renders its own replies the
    /// same way, so the history a client sends back matches what was recorded.
    static func renderedAssistantTurn(content: String, calls: [(name: String, arguments: String)]) -> String {
        let rendered = calls.map { "[called tool \($0.name) with \($0.arguments)]" }
        return ([content] + rendered).filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// A message's content as one text. Images and audio cannot reach Copilot; a note says so in their place.
    static func text(of content: MessageContent?) -> String {
        switch content {
        case .none: return ""
        case .text(let text): return text.trimmingWhitespace
        case .parts(let parts):
            return parts.compactMap { part -> String? in
                switch part {
                case .text(let text): return text.trimmingWhitespace
                case .image: return "(An image was attached here; images cannot be passed on to Copilot.)"
                case .audio: return "(An audio clip was attached here; audio cannot be passed on to Copilot.)"
                case .other: return nil
                }
            }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
        }
    }

    /// Whether `text` has `<system_reminder` in any case: a byte scan, without Foundation.
    static func hasReminderTag(_ text: String) -> Bool {
        let tag = Array("<system_reminder".utf8)
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= tag.count else { return false }
            for start in 0...(bytes.count - tag.count) where bytes[start] == tag[0] {
                var matches = true
                for offset in 1..<tag.count {
                    let byte = bytes[start + offset]
                    let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
                    if lower != tag[offset] { matches = false; break }
                }
                if matches { return true }
            }
            return false
        }
    }

    /// Takes AstrBot's `<system_reminder>…</system_reminder>` blocks out of `text`.
    static func extractReminders(from text: String) -> (text: String, reminders: [String]) {
        var remaining = text
        var reminders: [String] = []
        // Most messages have no such tag: the case-insensitive search below is not cheap.
        guard hasReminderTag(text) else { return (text.trimmingWhitespace, []) }
        while let open = remaining.range(of: "<system_reminder>", options: .caseInsensitive) {
            guard let close = remaining.range(of: "</system_reminder>", options: .caseInsensitive, range: open.upperBound..<remaining.endIndex) else {
                break
            }
            let inner = remaining[open.upperBound..<close.lowerBound].trimmingWhitespace
            if !inner.isEmpty { reminders.append(inner) }
            remaining.removeSubrange(open.lowerBound..<close.upperBound)
        }
        return (remaining.trimmingWhitespace, reminders)
    }
}
