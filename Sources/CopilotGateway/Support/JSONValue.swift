import Foundation
import NIOCore

/// Any JSON value, for the parts of a request the gateway passes on without knowing their shape
/// (tool parameter schemas, JSON schemas).
public enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The deepest nesting read through another `Decoder` (objects and arrays, counted from the top
    /// of the decoded document).
    static let maximumDepth = JSONLimits.document.depth

    /// The subtree itself when read from a tree `JSONValueDecoder` holds (how request bodies are read,
    /// at no cost per node). Through another `Decoder` (`JSONDecoder`), it is read by its kind: an
    /// object or an array is opened as a container and its members read once, and only a leaf tries
    /// the scalar types; that costs more at depth (each container reads its coding path, and each
    /// failed try builds an error), so the gateway reads JSON of unknown shape with
    /// `JSONValue(parsing:)` and keeps this path for values inside its own small records.
    public init(from decoder: any Decoder) throws {
        if let tree = decoder as? JSONValueDecoder {
            self = tree.value
        } else if let object = try? decoder.container(keyedBy: JSONKey.self) {
            try Self.checkDepth(decoder)
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(object.allKeys.count)
            for key in object.allKeys {
                members[key.stringValue] = try object.decode(JSONValue.self, forKey: key)
            }
            self = .object(members)
        } else if var array = try? decoder.unkeyedContainer() {
            try Self.checkDepth(decoder)
            var elements: [JSONValue] = []
            if let count = array.count { elements.reserveCapacity(count) }
            while !array.isAtEnd {
                elements.append(try array.decode(JSONValue.self))
            }
            self = .array(elements)
        } else {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    private static func checkDepth(_ decoder: any Decoder) throws {
        let path = decoder.codingPath
        guard path.count < maximumDepth else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: Array(path.prefix(8)), debugDescription: "JSON nested more than \(maximumDepth) levels deep"))
        }
    }

    /// Any member name of a JSON object.
    private struct JSONKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Compact JSON text with sorted keys, written in one pass (`ByteBuffer.writeJSON`: the same bytes
    /// `JSONEncoder` writes, at the same cost per value at any depth).
    var compactText: String {
        (try? ByteBuffer(json: self)).map { String(buffer: $0) } ?? "null"
    }

    /// The `required` keys of an object schema.
    var requiredKeys: [String] {
        guard case .array(let keys)? = self["required"] else { return [] }
        return keys.compactMap(\.stringValue)
    }
}
