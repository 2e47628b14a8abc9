import Foundation

/// AstrBot's `<system_reminder>…</system_reminder>` blocks: context for the turn (the time, say), which
/// Copilot gets apart from the message and never echoes back.
enum SystemReminders {
    /// Whether `text` has `<system_reminder` in any case: a byte scan, without Foundation.
    static func hasTag(_ text: String) -> Bool {
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

    /// `text` without its reminder blocks (trimmed), and the blocks' contents.
    static func extract(from text: String) -> (text: String, reminders: [String]) {
        var remaining = text
        var reminders: [String] = []
        // Most messages have no such tag: the case-insensitive search below is not cheap.
        guard hasTag(text) else { return (text.trimmingWhitespace, []) }
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
