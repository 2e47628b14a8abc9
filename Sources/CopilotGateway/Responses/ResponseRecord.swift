import Foundation

/// What the Responses dialect keeps of an answer (as a `StoredResponse`'s payload): the conversation
/// up to and including it, the instructions it was asked with, and the response object as sent.
struct ResponseRecord: Codable, Sendable {
    var instructions: String?
    var conversation: [TurnEntry]
    var body: JSONValue

    func stored(id: String, caller: String, at date: Date) throws -> StoredResponse {
        StoredResponse(id: id, caller: caller, createdAt: date, payload: try JSONEncoder().encode(self))
    }

    init(instructions: String?, conversation: [TurnEntry], body: JSONValue) {
        self.instructions = instructions
        self.conversation = conversation
        self.body = body
    }

    /// What is kept of `turn` answered with `reply`: its conversation with the reply's message and calls.
    init(turn: TurnRequest, reply: TurnReply, body: JSONValue) {
        let answer = TurnEntry.assistant(
            reply.text.isEmpty ? [] : [.text(reply.text)], calls: reply.toolCalls.map { HistoryCall(id: $0.id, name: $0.name, arguments: $0.arguments) })
        self.init(instructions: turn.instructions, conversation: turn.history + turn.newTurn + [answer], body: body)
    }

    init(_ stored: StoredResponse) throws {
        self = try JSONDecoder().decode(ResponseRecord.self, from: stored.payload)
    }
}
