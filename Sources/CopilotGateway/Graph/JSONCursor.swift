import Foundation

/// A strict, allocation-free reader of JSON text held in one contiguous buffer of UTF-8 bytes.
///
/// It moves through the bytes once; strings are located (their bytes and whether they hold escapes)
/// and decoded only when asked. Anything that is not valid JSON makes a method return nil or false,
/// so a caller can hand the document to `JSONDecoder` instead.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// A string's content between its quotes, still escaped.
    struct StringSpan {
        var range: Range<Int>
        var hasEscapes: Bool
        /// Whether the content starts with the `knownPrefix` the caller gave.
        var startsWithKnownPrefix = false
    }

    /// Escaped string content expected at the start of a string, and whether it holds escapes.
    struct StringPrefix {
        var bytes: UnsafeBufferPointer<UInt8>
        var hasEscapes: Bool
    }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Skips whitespace, then consumes `byte` if it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// Skips whitespace and tells the next byte without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Whether string content `span` is exactly `name` (written without escapes).
    func spells(_ span: StringSpan, _ name: StaticString) -> Bool {
        guard !span.hasEscapes, span.range.count == name.utf8CodeUnitCount else { return false }
        for offset in 0..<span.range.count where bytes[span.range.lowerBound + offset] != name.utf8Start[offset] { return false }
        return true
    }

    /// Consumes `null` if it comes next.
    mutating func consumeNull() -> Bool { consumeLiteral("null") }

    private mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        skipWhitespace()
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != literal.utf8Start[offset] { return false }
        position += count
        return true
    }

    /// A string at the cursor. `knownPrefix` is escaped content the caller expects the string to start
    /// with (the same field in the previous snapshot): when it matches, its bytes are compared in one
    /// go instead of being read one by one.
    mutating func string(knownPrefix: StringPrefix? = nil) -> StringSpan? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        var hasEscapes = false
        var startsWithKnownPrefix = false
        if let knownPrefix, let prefix = knownPrefix.bytes.baseAddress, let base = bytes.baseAddress,
            start + knownPrefix.bytes.count < bytes.count, memcmp(base + start, prefix, knownPrefix.bytes.count) == 0
        {
            // The prefix is whole, valid string content of the previous snapshot: it ends outside an escape.
            position += knownPrefix.bytes.count
            hasEscapes = knownPrefix.hasEscapes
            startsWithKnownPrefix = true
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return StringSpan(range: start..<(position - 1), hasEscapes: hasEscapes, startsWithKnownPrefix: startsWithKnownPrefix)
            }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                position += 1
            }
            position += 1
        }
        return nil
    }

    /// A string whose escapes are all ones JSON allows.
    mutating func validString() -> StringSpan? {
        guard let span = string(), !span.hasEscapes || escapesAreValid(span.range) else { return nil }
        return span
    }

    /// A non-negative or negative integer without fraction or exponent, as `Int`.
    mutating func integer() -> Int? {
        skipWhitespace()
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
        let digits = position - digitsStart
        guard digits > 0, digits <= 18, digits == 1 || bytes[digitsStart] != UInt8(ascii: "0") else { return nil }
        if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) { return nil }
        var value = 0
        for index in digitsStart..<position { value = value * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
        return bytes[start] == UInt8(ascii: "-") ? -value : value
    }

    /// Skips one value of any kind, checking that it is valid JSON; false when it is not.
    mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < 64, let next = peek() else { return false }
        switch next {
        case UInt8(ascii: "\""): return validString() != nil
        case UInt8(ascii: "{"): return skipContainer(closing: UInt8(ascii: "}"), keyed: true, depth: depth)
        case UInt8(ascii: "["): return skipContainer(closing: UInt8(ascii: "]"), keyed: false, depth: depth)
        case UInt8(ascii: "t"): return consumeLiteral("true")
        case UInt8(ascii: "f"): return consumeLiteral("false")
        case UInt8(ascii: "n"): return consumeNull()
        default: return skipNumber()
        }
    }

    private mutating func skipContainer(closing: UInt8, keyed: Bool, depth: Int) -> Bool {
        position += 1
        if consume(closing) { return true }
        repeat {
            if keyed {
                guard validString() != nil, consume(UInt8(ascii: ":")) else { return false }
            }
            guard skipValue(depth: depth + 1) else { return false }
        } while consume(UInt8(ascii: ","))
        return consume(closing)
    }

    /// A number as RFC 8259 writes it: `-? int frac? exp?`.
    private mutating func skipNumber() -> Bool {
        func digits() -> Int {
            let start = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - start
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return false }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return false }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }
}

extension JSONCursor {
    /// The text of string content `range` (between the quotes) that holds escapes when `hasEscapes`;
    /// nil for an escape JSON does not allow, a surrogate without its other half, or bytes that are not UTF-8.
    func text(_ range: Range<Int>, hasEscapes: Bool) -> String? {
        let content = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range]))
        // Bytes that are not UTF-8 are left to `JSONDecoder` (and the repairing path behind it).
        guard hasEscapes else { return String(validating: content, as: UTF8.self) }
        return try? JSONStringEscapes.unescaped(content, at: range.lowerBound)
    }

    /// Whether every escape in string content `range` is one JSON allows (surrogates in pairs).
    func escapesAreValid(_ range: Range<Int>) -> Bool {
        JSONStringEscapes.areValid(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range])))
    }
}
