import NIOCore

import Foundation

extension ByteBuffer {
    /// `value` as the JSON bytes `GatewayJSON.encoder()` writes.
    init(json value: JSONValue) throws {
        self.init()
        try writeJSON(value)
    }

    /// Objects and arrays nested this deep are refused, as `JSONEncoder` refuses them.
    static let maximumJSONWriteDepth = 512

    /// `value` as JSON, the bytes `GatewayJSON.encoder()` writes for it (object keys sorted by their
    /// UTF-8 bytes, slashes unescaped, integral numbers below 10^15 as integers), without a
    /// `JSONEncoder`: the Responses and Anthropic dialects build their events and answers as
    /// `JSONValue`s, several per stream. A number that is not such an integer is written by the encoder itself, so it throws where
    /// the encoder throws (NaN, infinity), as does nesting past ``maximumJSONWriteDepth``.
    mutating func writeJSON(_ value: JSONValue) throws {
        try writeJSON(value, depth: 0)
    }

    private mutating func writeJSON(_ value: JSONValue, depth: Int) throws {
        switch value {
        case .null:
            writeStaticString("null")
        case .bool(let flag):
            if flag { writeStaticString("true") } else { writeStaticString("false") }
        case .number(let number):
            if number.rounded() == number, abs(number) < 1e15 {
                writeString(String(Int64(number)))
            } else {
                writeBytes(try GatewayJSON.encoder().encode(number))
            }
        case .string(let text):
            writeJSONString(text)
        case .array(let items):
            guard depth + 1 < Self.maximumJSONWriteDepth else { throw JSONWriteTooDeep() }
            writeStaticString("[")
            for (index, item) in items.enumerated() {
                if index > 0 { writeStaticString(",") }
                try writeJSON(item, depth: depth + 1)
            }
            writeStaticString("]")
        case .object(let members):
            guard depth + 1 < Self.maximumJSONWriteDepth else { throw JSONWriteTooDeep() }
            writeStaticString("{")
            for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
                if index > 0 { writeStaticString(",") }
                writeJSONString(member.key)
                writeStaticString(":")
                try writeJSON(member.value, depth: depth + 1)
            }
            writeStaticString("}")
        }
    }
}

extension ByteBuffer {
    /// A server-sent event named `type` whose data is `fields` with `"type": type` among them, the way
    /// the Responses and Anthropic streams write their events.
    static func typedEvent(_ type: String, _ fields: [String: JSONValue]) throws -> ByteBuffer {
        var object = fields
        object["type"] = .string(type)
        var buffer = ByteBuffer(string: "event: \(type)\ndata: ")
        try buffer.writeJSON(.object(object))
        buffer.writeStaticString("\n\n")
        return buffer
    }
}

/// A value nested `ByteBuffer.maximumJSONWriteDepth` levels deep or more.
struct JSONWriteTooDeep: Error {}
