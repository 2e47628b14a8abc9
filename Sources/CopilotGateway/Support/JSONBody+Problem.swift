import NIOCore

extension JSONBody.Problem {
    /// A body that cannot be read as a whole.
    init(message: String) {
        self.init(path: [], reason: .unreadable(message))
    }

    /// Why `body` is not a JSON document within a request's limits.
    init(unreadable failure: JSONParseFailure, body: ByteBuffer) {
        switch failure {
        case .tooManyValues(let limit):
            self.init(message: "The request body holds more than \(limit) JSON values; no request to this gateway needs that many.")
        case .tooDeep(let limit):
            self.init(message: "The request body nests JSON objects and arrays more than \(limit) levels deep; no tool or response schema needs that many.")
        case .invalid:
            self.init(message: BodyEncodingProblem.find(in: body.readableBytesView)?.message ?? "The request body is not valid JSON.")
        }
    }

    /// A decoding error of the wire types, read against the body's tree (which says what a field of
    /// the wrong type holds).
    init(_ error: DecodingError, in tree: JSONValue, what: String) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(path: Self.path(context.codingPath + [key]), reason: .missing)
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            let path = Self.path(context.codingPath)
            self.init(path: path, reason: .wrongType(expected: JSONBody.typeName(type), got: tree.value(at: path)?.typeName ?? "null"))
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(message: "The request body is not \(what).")
            } else {
                self.init(path: Self.path(context.codingPath), reason: .invalid(context.debugDescription))
            }
        @unknown default:
            self.init(message: "The request body is not \(what).")
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> [String] {
        codingPath.map { key in key.intValue.map(String.init) ?? key.stringValue }
    }

    /// The field as OpenAI names it: `messages[0].content`.
    var param: String? {
        guard !path.isEmpty else { return nil }
        var text = ""
        for key in path {
            if let index = Int(key), !text.isEmpty {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key : ".\(key)"
            }
        }
        return text
    }

    /// The field as Anthropic names it: `messages.0.content`.
    var dottedPath: String { path.joined(separator: ".") }

    /// The problem in OpenAI's words (the gateway's neutral ones).
    var message: String {
        let field = param ?? "body"
        switch reason {
        case .missing: return "Missing required parameter: '\(field)'."
        case .wrongType(let expected, let got): return "Invalid type for '\(field)': expected \(expected), but got \(got) instead."
        case .invalid(let why): return "Invalid value for '\(field)': \(why)."
        case .unreadable(let why): return why
        }
    }

    /// OpenAI's code for the problem.
    var code: String? {
        switch reason {
        case .missing: "missing_required_parameter"
        case .wrongType: "invalid_type"
        case .invalid: "invalid_value"
        case .unreadable: nil
        }
    }

    /// `'text'`, as the errors quote a value.
    static func quoted(_ text: String) -> String {
        "'" + (text.count > 64 ? String(text.prefix(64)) + "…" : text) + "'"
    }

    /// `'a', 'b' or 'c'`.
    static func list(_ values: [String]) -> String {
        let quoted = values.map { "'\($0)'" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
    }
}

extension JSONValue {
    /// The value at `path` (keys, and array indexes as numbers), if there is one.
    func value(at path: [String]) -> JSONValue? {
        var value = self
        for key in path {
            switch value {
            case .object(let members):
                guard let member = members[key] else { return nil }
                value = member
            case .array(let elements):
                guard let index = Int(key), elements.indices.contains(index) else { return nil }
                value = elements[index]
            default:
                return nil
            }
        }
        return value
    }
}

/// A string-valued wire enum whose bad value is told as the API tells it: the field, the value and
/// the values allowed (not the decoder's "Cannot initialize … from invalid String value").
public protocol WireEnum: RawRepresentable, CaseIterable, Decodable where RawValue == String {}

extension WireEnum {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "\(JSONBody.Problem.quoted(text)) is not one of \(JSONBody.Problem.list(Self.allCases.map(\.rawValue)))")
        }
        self = value
    }
}
