import Foundation

/// Follows the reply through the snapshots of one turn.
///
/// Graph's snapshots are cumulative. Intermediate ones hold only the reply, the final one holds
/// `[echo of the prompt, reply]`. The tracker locks onto the reply's id and keeps its latest text.
struct ReplyTracker {
    let prompt: String
    private(set) var replyID: String?
    private(set) var rawText = ""
    /// The latest non-empty citation sources of the reply (the complete reply usually brings them).
    private(set) var sources: [ReplySource] = []
    private(set) var sawFinalSnapshot = false
    private(set) var disengaged = false

    init(prompt: String) { self.prompt = prompt }

    /// Takes one snapshot; returns whether the reply text changed. The final snapshot ends the reply:
    /// whatever a broken upstream sends after it is ignored, so the reply does not depend on how the
    /// network split the snapshots into reads.
    @discardableResult
    mutating func ingest(_ snapshot: GraphConversation) -> Bool {
        guard !sawFinalSnapshot else { return false }
        if snapshot.isDisengagedForRAI { disengaged = true }
        if snapshot.isFinalSnapshot { sawFinalSnapshot = true }
        guard let reply = reply(in: snapshot.messages ?? []) else { return false }
        if replyID == nil { replyID = reply.id }
        let replySources = reply.sources
        if !replySources.isEmpty { sources = replySources }
        let text = reply.text ?? ""
        // Bytes, not Characters, are compared: a snapshot that differs would otherwise be compared
        // under Unicode normalization, which costs far more than reading it did.
        guard text.utf8.count != rawText.utf8.count || !text.startsWithBytes(of: rawText) else { return false }
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
