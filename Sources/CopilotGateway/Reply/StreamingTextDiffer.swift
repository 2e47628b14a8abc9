import Foundation

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
        // The common case, a text that extends the last one, costs a byte comparison, not a walk
        // through the Characters of the whole text.
        if text.startsWithBytes(of: basis) {
            let delta = text.dropping(utf8Count: basis.utf8.count)
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
