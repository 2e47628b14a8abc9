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

    init(_ stored: StoredResponse) throws {
        self = try JSONDecoder().decode(ResponseRecord.self, from: stored.payload)
    }
}
