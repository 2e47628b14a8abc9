/// How deeply a JSON document nests its objects and arrays, found by one scan over its bytes before
/// anything is decoded, so that a hostile body (a tool schema nested thousands deep) is refused at
/// the cost of reading it once.
enum JSONNesting {
    /// The deepest nesting a request body may have. Real tool schemas stay below 20.
    static let limit = 64

    /// Where a document first nests deeper than `limit`: the name of the top-level member it happens
    /// in (`tools`, `response_format`), or nil when the top level itself is that deep or not an object.
    struct Excess: Equatable {
        var member: String?
    }

    /// The first place `bytes` nest deeper than `limit`, or nil when they never do. Bytes that are not
    /// JSON are scanned all the same; the decoder reports them afterwards.
    static func excess(in bytes: some Collection<UInt8>, limit: Int = limit) -> Excess? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var depth = 0
        var inString = false
        var escaped = false
        var current: [UInt8] = []  // the string being read at depth 1
        var lastString: [UInt8] = []  // the latest string closed at depth 1
        var member: [UInt8]?  // the top-level member being read
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == backslash {
                    escaped = true
                } else if byte == quote {
                    inString = false
                    if depth == 1 { lastString = current }
                    continue
                }
                if depth == 1, current.count < 256 { current.append(byte) }
                continue
            }
            switch byte {
            case quote:
                inString = true
                if depth == 1 { current.removeAll(keepingCapacity: true) }
            case UInt8(ascii: ":"):
                if depth == 1 { member = lastString }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > limit { return Excess(member: member.map { String(decoding: $0, as: UTF8.self) }) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(0, depth - 1)
            default:
                break
            }
        }
        return nil
    }
}
