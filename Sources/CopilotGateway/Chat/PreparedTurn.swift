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

        var reminders: [String] = []
        var promptParts: [String] = []
        for message in newTurn {
            let (cleaned, found) = extractReminders(from: text(of: message.content))
            reminders += found
            switch message.role {
            case .tool, .function:
                promptParts.append("Result of tool call \(message.toolCallID ?? message.name ?? ""):\n\(cleaned)")
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
            wantsImage: ImageRequest.isImageGeneration(prompt)
        )
    }

    /// A message as a transcript entry: its text without reminders, and any tool calls it made.
    static func entry(_ message: ChatMessage) -> Entry? {
        var body = extractReminders(from: text(of: message.content)).text
        if let calls = message.toolCalls, !calls.isEmpty {
            let rendered = calls.map { "[called tool \($0.function?.name ?? "?") with \($0.function?.arguments ?? "{}")]" }
            body = ([body] + rendered).filter { !$0.isEmpty }.joined(separator: "\n")
        }
        if message.role == .tool || message.role == .function {
            body = "[result of \(message.toolCallID ?? message.name ?? "a tool call")] \(body)"
        }
        return body.isEmpty ? nil : Entry(role: message.role, text: body)
    }

    /// A message's content as one text. Images and audio cannot reach Copilot; a note says so in their place.
    static func text(of content: MessageContent?) -> String {
        switch content {
        case .none: return ""
        case .text(let text): return text.trimmingCharacters(in: .whitespacesAndNewlines)
        case .parts(let parts):
            return parts.compactMap { part -> String? in
                switch part {
                case .text(let text): return text.trimmingCharacters(in: .whitespacesAndNewlines)
                case .image: return "(An image was attached here; images cannot be passed on to Copilot.)"
                case .audio: return "(An audio clip was attached here; audio cannot be passed on to Copilot.)"
                case .other: return nil
                }
            }
            .filter { !$0.isEmpty }
            .joined(separator: "\n")
        }
    }

    /// Takes AstrBot's `<system_reminder>…</system_reminder>` blocks out of `text`.
    static func extractReminders(from text: String) -> (text: String, reminders: [String]) {
        var remaining = text
        var reminders: [String] = []
        while let open = remaining.range(of: "<system_reminder>", options: .caseInsensitive) {
            guard let close = remaining.range(of: "</system_reminder>", options: .caseInsensitive, range: open.upperBound..<remaining.endIndex) else {
                break
            }
            let inner = remaining[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
            if !inner.isEmpty { reminders.append(inner) }
            remaining.removeSubrange(open.lowerBound..<close.upperBound)
        }
        return (remaining.trimmingCharacters(in: .whitespacesAndNewlines), reminders)
    }
}
