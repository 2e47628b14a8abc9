import Foundation

/// Reads a `chatOverStream` snapshot in one pass over its bytes, without decoding all of it.
///
/// Every snapshot repeats the whole reply so far, so decoding each one whole makes a reply cost
/// (snapshots × length). The scanner reads only what ``GraphConversation`` holds and decodes a
/// message's text only from where it differs from the text of the previous snapshot, which it keeps.
/// Unknown fields are checked to be valid JSON and skipped.
///
/// It returns nil for whatever it does not expect (an in-band `error`, a field given twice, a key
/// written with escapes, a number where a string belongs, a second value after the object): the caller
/// then decodes the snapshot with `JSONDecoder`, which stays the authority. What the scanner returns is
/// what `JSONDecoder` returns for the same bytes (the property tests in `SnapshotScannerTests` hold it to that).
struct SnapshotScanner {
    /// The escaped content of the last text read, and that text.
    private var previousEscaped: [UInt8] = []
    private var previousHasEscapes = false
    private var previousText = ""
    /// The attributions and references last decoded, by their bytes: every snapshot repeats them.
    private var lastAttributions = Decoded<[GraphAttribution]>()
    private var lastReferences = Decoded<[String: GraphReference]>()
    private let decoder = JSONDecoder()

    /// The snapshot in `json` (one event's data), or nil when `JSONDecoder` must read it.
    mutating func scan(_ json: [UInt8]) -> GraphConversation? {
        json.withUnsafeBufferPointer { scan(bytes: $0) }
    }

    mutating func scan(bytes: UnsafeBufferPointer<UInt8>) -> GraphConversation? {
        var cursor = JSONCursor(bytes)
        var conversation = GraphConversation()
        var seen = Fields()
        guard cursor.consume(UInt8(ascii: "{")) else { return nil }
        if !cursor.consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = cursor.string(), !key.hasEscapes, cursor.consume(UInt8(ascii: ":")) else { return nil }
                guard readConversationField(key, &cursor, into: &conversation, seen: &seen) else { return nil }
            } while cursor.consume(UInt8(ascii: ","))
            guard cursor.consume(UInt8(ascii: "}")) else { return nil }
        }
        cursor.skipWhitespace()
        return cursor.isAtEnd ? conversation : nil
    }

    /// Reads the value of top-level field `key`; false when the snapshot is not one the scanner reads.
    private mutating func readConversationField(
        _ key: JSONCursor.StringSpan, _ cursor: inout JSONCursor, into conversation: inout GraphConversation, seen: inout Fields
    ) -> Bool {
        let field: Fields
        if cursor.spells(key, "id") {
            field = .id
            guard Self.optionalString(&cursor, into: &conversation.id) else { return false }
        } else if cursor.spells(key, "state") {
            field = .state
            guard Self.optionalString(&cursor, into: &conversation.state) else { return false }
        } else if cursor.spells(key, "status") {
            field = .status
            guard Self.optionalString(&cursor, into: &conversation.status) else { return false }
        } else if cursor.spells(key, "displayName") {
            field = .displayName
            guard Self.optionalString(&cursor, into: &conversation.displayName) else { return false }
        } else if cursor.spells(key, "turnCount") {
            field = .turnCount
            if !cursor.consumeNull() {
                guard let count = cursor.integer() else { return false }
                conversation.turnCount = count
            }
        } else if cursor.spells(key, "messages") {
            field = .messages
            if !cursor.consumeNull() {
                guard let messages = readMessages(&cursor) else { return false }
                conversation.messages = messages
            }
        } else if cursor.spells(key, "error") {
            // An in-band error is rare: `JSONDecoder` reads it.
            return cursor.consumeNull() && seen.insert(.error).inserted
        } else {
            return cursor.skipValue()
        }
        return seen.insert(field).inserted
    }

    private mutating func readMessages(_ cursor: inout JSONCursor) -> [GraphMessage]? {
        guard cursor.consume(UInt8(ascii: "[")) else { return nil }
        var messages: [GraphMessage] = []
        if cursor.consume(UInt8(ascii: "]")) { return messages }
        repeat {
            guard let message = readMessage(&cursor) else { return nil }
            messages.append(message)
        } while cursor.consume(UInt8(ascii: ","))
        return cursor.consume(UInt8(ascii: "]")) ? messages : nil
    }

    private mutating func readMessage(_ cursor: inout JSONCursor) -> GraphMessage? {
        guard cursor.consume(UInt8(ascii: "{")) else { return nil }
        var message = GraphMessage()
        var seen = Fields()
        if cursor.consume(UInt8(ascii: "}")) { return message }
        repeat {
            guard let key = cursor.string(), !key.hasEscapes, cursor.consume(UInt8(ascii: ":")) else { return nil }
            let field: Fields
            if cursor.spells(key, "id") {
                field = .id
                guard Self.optionalString(&cursor, into: &message.id) else { return nil }
            } else if cursor.spells(key, "text") {
                field = .text
                if !cursor.consumeNull() {
                    guard let text = readText(&cursor) else { return nil }
                    message.text = text
                }
            } else if cursor.spells(key, "attributions") {
                field = .attributions
                guard let value = Self.valueBytes(&cursor) else { return nil }
                message.attributions = leniently(value, emptyOpenedWith: UInt8(ascii: "["), empty: [], last: &lastAttributions)
            } else if cursor.spells(key, "references") {
                field = .references
                guard let value = Self.valueBytes(&cursor) else { return nil }
                message.references = leniently(value, emptyOpenedWith: UInt8(ascii: "{"), empty: [:], last: &lastReferences)
            } else {
                guard cursor.skipValue() else { return nil }
                continue
            }
            guard seen.insert(field).inserted else { return nil }
        } while cursor.consume(UInt8(ascii: ","))
        return cursor.consume(UInt8(ascii: "}")) ? message : nil
    }

    /// A message's text, decoded only past the part it shares with the previous text read.
    private mutating func readText(_ cursor: inout JSONCursor) -> String? {
        let known = previousEscaped.withUnsafeBufferPointer { previous in
            cursor.string(knownPrefix: .init(bytes: previous, hasEscapes: previousHasEscapes))
        }
        guard let span = known else { return nil }
        let text: String
        if span.startsWithKnownPrefix {
            let tailStart = span.range.lowerBound + previousEscaped.count
            guard tailStart < span.range.upperBound else { return previousText }
            guard let tail = cursor.text(tailStart..<span.range.upperBound, hasEscapes: span.hasEscapes) else { return nil }
            text = previousText + tail
        } else {
            guard let whole = cursor.text(span.range, hasEscapes: span.hasEscapes) else { return nil }
            text = whole
        }
        previousEscaped = Array(UnsafeBufferPointer(rebasing: cursor.bytes[span.range]))
        previousHasEscapes = span.hasEscapes
        previousText = text
        return text
    }

    /// Reads a string or `null` into `target`; false for any other value.
    private static func optionalString(_ cursor: inout JSONCursor, into target: inout String?) -> Bool {
        if cursor.consumeNull() { return true }
        guard let span = cursor.string(), let text = cursor.text(span.range, hasEscapes: span.hasEscapes) else { return false }
        target = text
        return true
    }

    /// The bytes of the value at the cursor, once it is known to be valid JSON.
    private static func valueBytes(_ cursor: inout JSONCursor) -> UnsafeBufferPointer<UInt8>? {
        cursor.skipWhitespace()
        let start = cursor.position
        guard cursor.skipValue() else { return nil }
        return UnsafeBufferPointer(rebasing: cursor.bytes[start..<cursor.position])
    }

    /// `value` decoded as `GraphMessage` decodes it: nil when `null` or of another shape. An empty
    /// container opened with `opening` (`[` for a list, `{` for a map) is read without a decoder, and
    /// the same bytes as `last` time are not decoded again.
    private func leniently<Value: Decodable>(
        _ value: UnsafeBufferPointer<UInt8>, emptyOpenedWith opening: UInt8, empty: Value, last: inout Decoded<Value>
    ) -> Value? {
        var inner = JSONCursor(value)
        if let first = inner.peek(), first == UInt8(ascii: "[") || first == UInt8(ascii: "{") {
            inner.position += 1
            if inner.peek() == first + 2 {  // `]` and `}` follow `[` and `{` by two in ASCII
                return first == opening ? empty : nil
            }
        }
        if let bytes = last.bytes, bytes.count == value.count, bytes.elementsEqual(value) { return last.value }
        let decoded = try? decoder.decode(Value.self, from: Data(value))
        last = Decoded(bytes: Array(value), value: decoded)
        return decoded
    }

    /// What a field's bytes last decoded to (nil: they did not decode).
    private struct Decoded<Value> {
        var bytes: [UInt8]?
        var value: Value?
    }

    /// The fields read so far, to refuse one given twice.
    private struct Fields: OptionSet {
        let rawValue: UInt16
        static let id = Fields(rawValue: 1 << 0)
        static let state = Fields(rawValue: 1 << 1)
        static let status = Fields(rawValue: 1 << 2)
        static let displayName = Fields(rawValue: 1 << 3)
        static let turnCount = Fields(rawValue: 1 << 4)
        static let messages = Fields(rawValue: 1 << 5)
        static let error = Fields(rawValue: 1 << 6)
        static let text = Fields(rawValue: 1 << 7)
        static let attributions = Fields(rawValue: 1 << 8)
        static let references = Fields(rawValue: 1 << 9)
    }
}
