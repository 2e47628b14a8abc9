import Hummingbird

extension Request {
    /// The body as `type`, decoded off the event loops when it is large (see `JSONBody`). The body was
    /// read whole, and limited, before the request was admitted. A body that is not one throws
    /// `JSONBody.Problem`, which each dialect words in its own shape.
    func decodeJSONBody<Value: Decodable & Sendable>(as type: Value.Type, what: String, rules: [FieldRule] = []) async throws -> Value {
        var request = self
        let body = try await request.collectBody(upTo: .max)
        return try await JSONBody.decodeOffloaded(type, from: body, what: what, rules: rules)
    }
}
