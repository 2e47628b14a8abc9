import Crypto

/// A conversation's history as text, one way for everything that needs it: the transcript that seeds a
/// new Copilot conversation (`CopilotPrompt`) and the fingerprint that finds the conversation a history
/// continues (`ConversationDirectory`). The gateway writes its own replies the same way, so the history
/// a client sends back matches what was recorded.
enum Transcript {
    /// One entry as text: its content without reminders, with the tools it called or the call it answers
    /// written out; nil when nothing is left.
    static func text(of entry: TurnEntry) -> String? {
        var body = SystemReminders.extract(from: text(of: entry.content)).text
        switch entry {
        case .user:
            break
        case .assistant(_, let calls):
            if !calls.isEmpty { body = assistantTurn(content: body, calls: calls.map { ($0.name ?? "?", $0.arguments ?? "{}") }) }
        case .toolResult(let callID, let name, _):
            body = "[result of \(callID ?? name ?? "a tool call")] \(body)"
        }
        return body.isEmpty ? nil : body
    }

    /// An assistant turn with tool calls as one text.
    static func assistantTurn(content: String, calls: [(name: String, arguments: String)]) -> String {
        let rendered = calls.map { "[called tool \($0.name) with \($0.arguments)]" }
        return ([content] + rendered).filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// A message's content as one text; attachments become the note that says they could not be passed on.
    static func text(of content: [TurnContent]) -> String {
        if content.count == 1, case .text(let text) = content[0] { return text.trimmingWhitespace }
        return content.map { part -> String in
            switch part {
            case .text(let text): text.trimmingWhitespace
            case .image: CopilotPrompt.imageAttachmentNote
            case .audio: CopilotPrompt.audioAttachmentNote
            case .document: CopilotPrompt.documentAttachmentNote
            }
        }
        .filter { !$0.isEmpty }
        .joined(separator: "\n")
    }

    /// An entry that has text, and who said it.
    struct Line: Sendable, Equatable {
        var speaker: TurnEntry.Speaker
        var text: String
    }

    /// The entries that have text, with who said them.
    static func lines(_ entries: [TurnEntry]) -> [Line] {
        entries.compactMap { entry in text(of: entry).map { Line(speaker: entry.speaker, text: $0) } }
    }

    /// The fingerprint of a caller's history: what a request carries before its new message, or the
    /// next request after a reply. Text is compared without what changes between clients' copies of
    /// the same turn: whitespace and the citation markers the gateway itself wrote.
    static func fingerprint(scope: String, instructions: String?, lines: [Line]) -> String {
        var hasher = SHA256()
        func add(_ text: String) {
            var text = text
            text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
            withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        }
        // The scope holds no NUL (`TurnRequest.scope`); the client's texts are escaped.
        add("copilot-gateway/1")
        add(scope)
        add(Self.unambiguous(ReplyFormatter.withoutCitations(instructions ?? "")))
        for line in lines {
            add(line.speaker.rawValue)
            add(Self.unambiguous(ReplyFormatter.withoutCitations(line.text)))
        }
        return hasher.finalize().lowercaseHex
    }

    /// A client's `text` as one field of a fingerprint, whose fields end with NUL: a NUL inside it becomes
    /// U+0001 `0` and a U+0001 becomes U+0001 `1`, so no client text can end a field early and pass for
    /// two. Text with neither (all of it, in practice) is unchanged, and so are the fingerprints recorded.
    static func unambiguous(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 <= 1 }) else { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\u{0}": escaped += "\u{1}0"
            case "\u{1}": escaped += "\u{1}1"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
