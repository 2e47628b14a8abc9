import Foundation

/// Turns Copilot's reply markup into plain chat text, the same way for streamed and whole replies.
///
/// - Entity tags such as `<Person>Ada</Person>` or `<File>Plan.docx</File>` keep only their inner text.
/// - Citation markers `[^1^]` become `[1]`; `[^external^]` (grounding on our own context) is dropped.
///
/// While a reply is still streaming, a trailing piece of markup that may not be complete yet
/// (`<Pers`, `[^1`) is held back, so a tag or marker is never split across two chunks.
enum ReplyFormatter {
    static let entityTags: Set<Substring> = [
        "Person", "Event", "File", "Email", "Message", "Meeting", "Chat", "Channel", "Site", "Team",
        "Task", "Place", "Organization", "Entity", "Document",
    ]

    /// The chat text for `raw`; with `isComplete: false` an unfinished trailing tag or marker is left out.
    static func format(_ raw: String, isComplete: Bool) -> String {
        var output = ""
        output.reserveCapacity(raw.utf8.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let character = raw[index]
            if character == "<" {
                guard let close = raw[index...].firstIndex(of: ">") else {
                    if !isComplete, raw.distance(from: index, to: raw.endIndex) < 40 { return output }
                    output.append(character)
                    index = raw.index(after: index)
                    continue
                }
                let inner = raw[raw.index(after: index)..<close]
                let name = inner.hasPrefix("/") ? inner.dropFirst() : inner
                if entityTags.contains(name) {
                    index = raw.index(after: close)
                    continue
                }
            } else if character == "[", raw[index...].hasPrefix("[^") || (!isComplete && raw.index(after: index) == raw.endIndex) {
                let markerStart = raw.index(index, offsetBy: 2, limitedBy: raw.endIndex) ?? raw.endIndex
                if let end = raw[markerStart...].range(of: "^]") {
                    let label = raw[markerStart..<end.lowerBound]
                    if !label.isEmpty, label.count <= 12, label.allSatisfy({ $0.isLetter || $0.isNumber }) {
                        if label.allSatisfy(\.isNumber) {
                            output += "[\(label)]"
                        } else if output.last == " " {
                            output.removeLast()
                        }
                        index = end.upperBound
                        continue
                    }
                } else if !isComplete, raw.distance(from: index, to: raw.endIndex) < 16 {
                    return output
                }
            }
            output.append(character)
            index = raw.index(after: index)
        }
        return output
    }
}

/// Follows the reply through the snapshots of one turn.
///
/// Graph's snapshots are cumulative. Intermediate ones hold only the reply, the final one holds
/// `[echo of the prompt, reply]`. The tracker locks onto the reply's id and keeps its latest text.
struct ReplyTracker {
    let prompt: String
    private(set) var replyID: String?
    private(set) var rawText = ""
    private(set) var sawFinalSnapshot = false
    private(set) var disengaged = false

    init(prompt: String) { self.prompt = prompt }

    /// Takes one snapshot; returns whether the reply text changed.
    @discardableResult
    mutating func ingest(_ snapshot: GraphConversation) -> Bool {
        if snapshot.isDisengagedForRAI { disengaged = true }
        if snapshot.isFinalSnapshot { sawFinalSnapshot = true }
        guard let reply = reply(in: snapshot.messages ?? []) else { return false }
        if replyID == nil { replyID = reply.id }
        let text = reply.text ?? ""
        guard text != rawText else { return false }
        rawText = text
        return true
    }

    /// The reply among `messages`: the one with the locked id, else the last that is not the user's echo.
    private func reply(in messages: [GraphMessage]) -> GraphMessage? {
        if let replyID, let locked = messages.last(where: { $0.id == replyID }) { return locked }
        if messages.count >= 2 { return messages.last }
        guard let only = messages.first else { return nil }
        let isEcho = Self.normalized(only.text ?? "") == Self.normalized(prompt) && replyID == nil
        return isEcho ? nil : only
    }

    static func normalized(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// Turns a sequence of cumulative texts into append-only deltas: never a repeated or a lost character.
///
/// When a new text extends what was already sent, the extension goes out. A snapshot that repeats or
/// shrinks sends nothing. When Copilot rewrites text that was already sent (it inserts citation
/// markers, say), what was sent stands: the differ finds where the sent text ends inside the rewritten
/// one and continues from there. Until it can find that point, it waits for later snapshots.
struct StreamingTextDiffer {
    /// The upstream text that the client has seen the equivalent of.
    private(set) var basis = ""
    /// Everything sent so far.
    private(set) var sent = ""

    mutating func delta(for text: String) -> String {
        if text.hasPrefix(basis) {
            let delta = String(text.dropFirst(basis.count))
            accept(text, delta)
            return delta
        }
        // The sent text ends with `tail`, the part after what both texts share. Look for the end of
        // `tail` in the new text: its last 24 characters, or fewer when a rewrite touched them.
        let common = Self.commonPrefixCount(basis, text)
        let tail = basis.dropFirst(common)
        let searchStart = text.index(text.startIndex, offsetBy: max(0, common - 24), limitedBy: text.endIndex) ?? text.endIndex
        for length in [24, 12, 6] where length == 24 || tail.count > length {
            let anchor = tail.suffix(length)
            guard !anchor.isEmpty, let found = text[searchStart...].firstRange(of: anchor) else { continue }
            let delta = String(text[found.upperBound...])
            accept(text, delta)
            return delta
        }
        return ""
    }

    static func commonPrefixCount(_ a: String, _ b: String) -> Int {
        var count = 0
        for (x, y) in zip(a, b) {
            guard x == y else { break }
            count += 1
        }
        return count
    }

    private mutating func accept(_ text: String, _ delta: String) {
        basis = text
        sent += delta
    }
}
