extension ResponsesRequest {
    /// The request's fields as its response repeats them: checked already (`fieldRules`), and written
    /// in the shape of the response object, with the defaults the document gives where a field has more
    /// than one form (a function tool with all its fields, `reasoning` with both of its).
    static func echo(_ given: [String: JSONValue]) -> [String: JSONValue] {
        var echoed = given.filter { $0.value != .null }
        if case .array(let tools)? = given["tools"] { echoed["tools"] = .array(tools.map(echo(tool:))) }
        if case .object(let reasoning)? = given["reasoning"] {
            echoed["reasoning"] = .object(["effort": reasoning["effort"] ?? .null, "summary": reasoning["summary"] ?? .null])
        }
        if case .object(var text)? = given["text"] {
            if let format = text["format"] { text["format"] = echo(format: format) } else { text["format"] = .object(["type": .string("text")]) }
            echoed["text"] = .object(text)
        }
        return echoed
    }

    /// A function tool with `description`, `parameters` and `strict` (null when not given); other tools
    /// as they came.
    static func echo(tool: JSONValue) -> JSONValue {
        guard case .object(var fields) = tool, fields["type"]?.stringValue == "function" else { return tool }
        for key in ["description", "parameters", "strict"] where fields[key] == nil { fields[key] = .null }
        return .object(fields)
    }

    /// A `json_schema` format with its `strict` (false when not given, as OpenAI applies it).
    static func echo(format: JSONValue) -> JSONValue {
        guard case .object(var fields) = format, fields["type"]?.stringValue == "json_schema" else { return format }
        if fields["strict"] == nil || fields["strict"] == .null { fields["strict"] = .bool(false) }
        return .object(fields)
    }
}
