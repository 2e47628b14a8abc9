/// Where a streamed reply stops being safe to send while tools are offered (see
/// ``ToolCallReader/textBeforePossibleCall(_:)``), found in the reply's UTF-8 bytes.
struct PossibleCallScan {
    let bytes: UnsafeBufferPointer<UInt8>

    static let tag = Array("<tool_call".utf8)
    static let fence = Array("```".utf8)
    static let quotedNames = [Array(#""name""#.utf8), Array("'name'".utf8)]

    /// How many leading bytes can be sent: up to a `<tool_call` tag (any case) or what may be the start
    /// of one at the end, a `` ` `` or ` `` ` at the end, an unfinished fence, or a fence naming a `name`.
    func safeLength() -> Int {
        var cut = find(Self.tag, from: 0, to: bytes.count, ignoringCase: true) ?? bytes.count
        for length in stride(from: min(Self.tag.count, bytes.count), to: 0, by: -1)
        where matches(Self.tag[..<length], at: bytes.count - length, ignoringCase: true) {
            cut = min(cut, bytes.count - length)
            break
        }
        if bytes.last == UInt8(ascii: "`") {
            let trailing = bytes.count >= 2 && bytes[bytes.count - 2] == UInt8(ascii: "`") ? 2 : 1
            cut = min(cut, bytes.count - trailing)
        }
        var index = 0
        while index < cut, let open = find(Self.fence, from: index, to: cut) {
            let bodyStart = open + Self.fence.count
            guard let close = find(Self.fence, from: bodyStart, to: bytes.count) else {
                cut = open
                break
            }
            if Self.quotedNames.contains(where: { find($0, from: bodyStart, to: close) != nil }) {
                cut = min(cut, open)
                break
            }
            index = close + Self.fence.count
        }
        return cut
    }

    /// The first place in `from..<to` where `pattern` starts and ends.
    func find(_ pattern: [UInt8], from start: Int, to end: Int, ignoringCase: Bool = false) -> Int? {
        guard let first = pattern.first, end - start >= pattern.count else { return nil }
        var index = start
        while index + pattern.count <= end {
            let byte = ignoringCase ? Self.lowercased(bytes[index]) : bytes[index]
            if byte == first, matches(pattern[...], at: index, ignoringCase: ignoringCase) { return index }
            index += 1
        }
        return nil
    }

    private func matches(_ pattern: ArraySlice<UInt8>, at start: Int, ignoringCase: Bool) -> Bool {
        guard start >= 0, start + pattern.count <= bytes.count else { return false }
        for (offset, expected) in pattern.enumerated() {
            let byte = bytes[start + offset]
            guard (ignoringCase ? Self.lowercased(byte) : byte) == expected else { return false }
        }
        return true
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }
}
