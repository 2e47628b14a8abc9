import Foundation
import NIOCore

/// What the Responses dialect keeps of an answer, as a `StoredResponse`'s record: the instructions
/// it was asked with and what it added to its conversation (the input after the response it continues,
/// and the reply's message and calls). Its body, the response object as sent, is kept beside it.
struct ResponseRecord: Codable, Sendable, Equatable {
    var instructions: String?
    var entries: [TurnEntry]

    init(instructions: String?, entries: [TurnEntry]) {
        self.instructions = instructions
        self.entries = entries
    }

    /// What `turn` answered with `reply` adds after the first `continued` entries of its conversation
    /// (those of the response it continues).
    init(turn: TurnRequest, reply: TurnReply, after continued: Int) {
        let answer = TurnEntry.assistant(
            reply.text.isEmpty ? [] : [.text(reply.text)], calls: reply.toolCalls.map { HistoryCall(id: $0.id, name: $0.name, arguments: $0.arguments) })
        self.init(instructions: turn.instructions, entries: Array((turn.history + turn.newTurn).dropFirst(continued)) + [answer])
    }
}

/// A kept response as read back: its record, and its body when it was asked for. A response kept
/// before bodies were kept apart (the store's `body` is nil) holds its whole conversation as
/// `conversation` and its body inside the record; it is read the same way.
struct ReadResponse: Sendable {
    var record: ResponseRecord
    var body: Data?

    init(_ stored: StoredResponse) throws {
        let tree = try JSONValue(parsing: stored.record)
        guard stored.body == nil, let legacyBody = tree["body"] else {
            record = try JSONValueDecoder.decode(ResponseRecord.self, from: tree)
            body = stored.body
            return
        }
        let entries = try JSONValueDecoder.decode([TurnEntry].self, from: tree["conversation"] ?? .array([]))
        record = ResponseRecord(instructions: tree["instructions"]?.stringValue, entries: entries)
        body = Data(try ByteBuffer(json: legacyBody).readableBytesView)
    }
}
