/// Splits an event's data into its top-level JSON values.
///
/// Graph sends one object per event, but when a sender drops the blank line between two events their
/// data lines join into `{…}\n{…}`; this finds both objects. Text that is not JSON comes back whole,
/// so the caller's JSON decoding reports it.
enum JSONValueSplitter {
    static func split(_ text: String) -> [Substring] {
        let bytes = text.utf8
        var values: [Substring] = []
        var depth = 0
        var inString = false
        var escaped = false
        var start: String.Index?
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if depth == 0 { start = index }
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0, let begin = start {
                        values.append(text[begin...index])
                        start = nil
                    } else if depth < 0 {
                        return [Substring(text)]
                    }
                case UInt8(ascii: "\""):
                    if depth == 0 { return [Substring(text)] }
                    inString = true
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    break
                default:
                    if depth == 0 { return [Substring(text)] }
                }
            }
            index = bytes.index(after: index)
        }
        if depth != 0 || values.isEmpty { return [Substring(text)] }
        return values
    }
}
