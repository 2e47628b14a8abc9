/// The form the client wants the answer in.
public enum ResponseFormat: Sendable, Equatable {
    case text
    /// One JSON object.
    case jsonObject
    /// One JSON object that follows the schema, when one is given.
    case jsonSchema(JSONValue?)

    var schema: JSONValue? {
        if case .jsonSchema(let schema) = self { return schema }
        return nil
    }
}
