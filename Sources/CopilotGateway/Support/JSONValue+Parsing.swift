import Foundation
import NIOCore

/// How much of a JSON document `JSONValue(parsing:)` reads before it refuses it.
struct JSONLimits: Sendable, Equatable {
    /// Objects and arrays nested in one another.
    var depth: Int
    /// Values of every kind (each member's value and each element counts, and the document itself).
    var values: Int

    /// Documents the gateway reads that are not request bodies (tool calls in Copilot's replies, its own records).
    static let document = JSONLimits(depth: 128, values: .max)
    /// A request body: as deep as ``JSONNesting/limit``, and at most 2^18 values, which no real
    /// request comes near (a long agent conversation with its tools has a few thousand) and which
    /// keeps what one body may cost in time and memory to about what its bytes are.
    static let requestBody = JSONLimits(depth: JSONNesting.limit, values: 1 << 18)
}

/// Why JSON text could not be read.
enum JSONParseFailure: Error, Equatable {
    /// Not JSON (or not UTF-8, or a lone surrogate escape) from about this byte offset.
    case invalid(offset: Int)
    /// Objects and arrays nested deeper than this.
    case tooDeep(Int)
    /// More values than this.
    case tooManyValues(Int)
}

extension JSONValue {
    /// The JSON text `bytes`, read in one pass within `limits` (see `JSONTreeParser`).
    init(parsing bytes: UnsafeRawBufferPointer, limits: JSONLimits = .document) throws(JSONParseFailure) {
        var parser = JSONTreeParser(bytes, limits: limits)
        self = try parser.document()
    }

    init(parsing buffer: ByteBuffer, limits: JSONLimits = .document) throws(JSONParseFailure) {
        let result = buffer.withUnsafeReadableBytes { bytes in Result { () throws(JSONParseFailure) in try JSONValue(parsing: bytes, limits: limits) } }
        self = try result.get()
    }

    init(parsing text: some StringProtocol, limits: JSONLimits = .document) throws(JSONParseFailure) {
        var text = String(text)
        let result = text.withUTF8 { bytes in Result { () throws(JSONParseFailure) in try JSONValue(parsing: UnsafeRawBufferPointer(bytes), limits: limits) } }
        self = try result.get()
    }

    init(parsing data: Data, limits: JSONLimits = .document) throws(JSONParseFailure) {
        let result = data.withUnsafeBytes { bytes in Result { () throws(JSONParseFailure) in try JSONValue(parsing: bytes, limits: limits) } }
        self = try result.get()
    }
}

/// The escapes of JSON strings: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` and `\uXXXX`, whose
/// UTF-16 surrogates must come in pairs.
enum JSONStringEscapes {
    /// The text of string content `content` (between its quotes) that holds escapes; `offset` is where
    /// it starts in the document, for the failure.
    static func unescaped(_ content: UnsafeRawBufferPointer, at offset: Int) throws(JSONParseFailure) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(content.count)
        var index = 0
        while index < content.count {
            let byte = content[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                continue
            }
            guard index < content.count else { throw .invalid(offset: offset + index) }
            let escape = content[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                let scalar = try scalar(in: content, at: &index, offset: offset)
                if let encoded = UTF8.encode(scalar) { utf8.append(contentsOf: encoded) }
            default:
                throw .invalid(offset: offset + index - 2)
            }
        }
        guard let text = String(validating: utf8, as: UTF8.self) else { throw .invalid(offset: offset) }
        return text
    }

    /// Whether every escape in string content `content` is one JSON allows (surrogates in pairs),
    /// whatever its other bytes are.
    static func areValid(_ content: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < content.count {
            guard content[index] == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            guard index + 1 < content.count else { return false }
            let escape = content[index + 1]
            index += 2
            if escape == UInt8(ascii: "u") {
                guard (try? scalar(in: content, at: &index, offset: 0)) != nil else { return false }
            } else if !singleEscapes.contains(escape) {
                return false
            }
        }
        return true
    }

    private static let singleEscapes: [UInt8] = Array(#""\/bfnrt"#.utf8)

    /// The character of a `\u` escape whose hex digits start at `index`, joined with the low
    /// surrogate's escape that must follow a high one.
    private static func scalar(in content: UnsafeRawBufferPointer, at index: inout Int, offset: Int) throws(JSONParseFailure) -> Unicode.Scalar {
        let start = index
        let unit = try hex(in: content, at: &index, offset: offset)
        switch unit {
        case 0xD800..<0xDC00:
            guard content.count - index >= 6, content[index] == UInt8(ascii: "\\"), content[index + 1] == UInt8(ascii: "u") else {
                throw .invalid(offset: offset + start - 2)
            }
            index += 2
            let low = try hex(in: content, at: &index, offset: offset)
            guard (0xDC00..<0xE000).contains(low), let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) else {
                throw .invalid(offset: offset + start - 2)
            }
            return scalar
        case 0xDC00..<0xE000:
            throw .invalid(offset: offset + start - 2)
        default:
            guard let scalar = Unicode.Scalar(unit) else { throw .invalid(offset: offset + start - 2) }
            return scalar
        }
    }

    private static func hex(in content: UnsafeRawBufferPointer, at index: inout Int, offset: Int) throws(JSONParseFailure) -> UInt32 {
        guard content.count - index >= 4 else { throw .invalid(offset: offset + index) }
        var unit: UInt32 = 0
        for _ in 0..<4 {
            let byte = content[index]
            let digit: UInt8 = switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: throw .invalid(offset: offset + index)
            }
            unit = unit << 4 | UInt32(digit)
            index += 1
        }
        return unit
    }
}
