/// Reads JSON text into a `JSONValue` tree in one pass over its bytes, at the same cost per value at
/// any depth: no coding path is built and no type is tried and failed (what `Decodable`-based reading
/// of an unknown shape must do at every node). It counts values and nesting against its `JSONLimits`
/// as it goes, so a document past either is refused before the rest of it is read.
struct JSONTreeParser {
    private let bytes: UnsafeRawBufferPointer
    private let limits: JSONLimits
    private var position = 0
    private var values = 0

    init(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// The whole text as one value, with nothing but whitespace around it (a UTF-8 byte-order mark is skipped).
    mutating func document() throws(JSONParseFailure) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        let value = try value(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw .invalid(offset: position) }
        return value
    }

    private mutating func value(depth: Int) throws(JSONParseFailure) -> JSONValue {
        values += 1
        guard values <= limits.values else { throw .tooManyValues(limits.values) }
        skipWhitespace()
        guard position < bytes.count else { throw .invalid(offset: position) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func object(depth: Int) throws(JSONParseFailure) -> JSONValue {
        guard depth <= limits.depth else { throw .tooDeep(limits.depth) }
        position += 1
        var members: [String: JSONValue] = [:]
        if try closes(UInt8(ascii: "}")) { return .object(members) }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw .invalid(offset: position) }
            let key = try string()
            try expect(UInt8(ascii: ":"))
            members[key] = try value(depth: depth)
            if try endsList(UInt8(ascii: "}")) { return .object(members) }
        }
    }

    private mutating func array(depth: Int) throws(JSONParseFailure) -> JSONValue {
        guard depth <= limits.depth else { throw .tooDeep(limits.depth) }
        position += 1
        var elements: [JSONValue] = []
        if try closes(UInt8(ascii: "]")) { return .array(elements) }
        while true {
            elements.append(try value(depth: depth))
            if try endsList(UInt8(ascii: "]")) { return .array(elements) }
        }
    }

    /// Consumes `close` if it comes next (an empty object or array).
    private mutating func closes(_ close: UInt8) throws(JSONParseFailure) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw .invalid(offset: position) }
        guard bytes[position] == close else { return false }
        position += 1
        return true
    }

    /// After a member or element: true at `close` (consumed), false at a comma (consumed).
    private mutating func endsList(_ close: UInt8) throws(JSONParseFailure) -> Bool {
        skipWhitespace()
        guard position < bytes.count else { throw .invalid(offset: position) }
        let byte = bytes[position]
        position += 1
        if byte == close { return true }
        guard byte == UInt8(ascii: ",") else { throw .invalid(offset: position - 1) }
        return false
    }

    private mutating func expect(_ byte: UInt8) throws(JSONParseFailure) {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { throw .invalid(offset: position) }
        position += 1
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseFailure) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw .invalid(offset: position) }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] {
            throw .invalid(offset: position)
        }
        position += count
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// A string, from its opening quote: its bytes are taken as they are when it holds no escape.
    private mutating func string() throws(JSONParseFailure) -> String {
        position += 1
        let start = position
        var hasEscapes = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw .invalid(offset: position) }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 1
            }
            position += 1
        }
        guard position < bytes.count else { throw .invalid(offset: bytes.count) }
        let content = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        position += 1
        if hasEscapes { return try JSONStringEscapes.unescaped(content, at: start) }
        guard let text = String(validating: content, as: UTF8.self) else { throw .invalid(offset: start) }
        return text
    }

    /// A number as JSON writes one (`-`, no leading zeros, a fraction and an exponent each with digits).
    private mutating func number() throws(JSONParseFailure) -> Double {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw .invalid(offset: start) }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard digits() > 0 else { throw .invalid(offset: start) }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            isInteger = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw .invalid(offset: start) }
        }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        if isInteger, integerDigits <= 15 {
            var magnitude: Int64 = 0
            for byte in text[(integerStart - start)...] { magnitude = magnitude * 10 + Int64(byte - UInt8(ascii: "0")) }
            return Double(integerStart > start ? -magnitude : magnitude)
        }
        guard let number = Double(String(decoding: text, as: UTF8.self)), number.isFinite else { throw .invalid(offset: start) }
        return number
    }

    /// Consumes ASCII digits; how many.
    private mutating func digits() -> Int {
        let start = position
        while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 { position += 1 }
        return position - start
    }
}
