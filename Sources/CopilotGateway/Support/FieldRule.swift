/// A request field's documented type and range, checked on the parsed body before the request is
/// read, used or echoed: an absent field passes, a present one must be what its API's document says.
/// Each dialect lists the rules of its fields; the failure is a `JSONBody.Problem` it words itself.
struct FieldRule: Sendable {
    /// The field's place: `["temperature"]`, or `["reasoning", "effort"]` inside an object.
    var path: [String]
    var kind: Kind
    /// Whether `null` is a value the document allows (it then means the default).
    var nullable: Bool
    /// Whether the field must be there (most are optional; the body's type checks the rest).
    var required: Bool

    enum Kind: Sendable {
        case number(min: Double?, max: Double?)
        case integer(min: Int?, max: Int?)
        case boolean
        case string(maxLength: Int?)
        case oneOf([String])
        case object
        case array(maxCount: Int?)
        /// A string, or an array of at most `maxCount` strings (`stop`).
        case stringOrStrings(maxCount: Int)
        /// Up to 16 string values, keys of at most 64 characters and values of at most 512 (`metadata`).
        case metadata
    }

    init(_ path: String, _ kind: Kind, nullable: Bool = true, required: Bool = false) {
        self.path = path.split(separator: ".").map(String.init)
        self.kind = kind
        self.nullable = nullable
        self.required = required
    }

    /// The first rule of `rules` that `body` breaks, as the problem to tell the client.
    static func firstViolation(of rules: [FieldRule], in body: JSONValue) -> JSONBody.Problem? {
        for rule in rules {
            if let problem = rule.violation(in: body) { return problem }
        }
        return nil
    }

    /// What is wrong with the field in `body`, if it is there and not what the rule allows.
    func violation(in body: JSONValue) -> JSONBody.Problem? {
        var value = body
        for (depth, key) in path.enumerated() {
            guard case .object(let members) = value else { return nil }
            guard let member = members[key] else { return required && depth == path.count - 1 ? problem(.missing) : nil }
            value = member
        }
        if value == .null {
            return nullable ? nil : problem(.wrongType(expected: expected, got: "null"))
        }
        switch (kind, value) {
        case (.number(let min, let max), .number(let number)):
            return range(number, min: min, max: max)
        case (.integer(let min, let max), .number(let number)):
            guard number.rounded() == number else { return problem(.wrongType(expected: expected, got: "a decimal")) }
            guard abs(number) < 0x1p63 else { return problem(.invalid("must fit in 64 bits (got \(Self.text(number)))")) }
            return range(number, min: min.map(Double.init), max: max.map(Double.init))
        case (.boolean, .bool), (.object, .object):
            return nil
        case (.string(let maxLength), .string(let text)):
            guard let maxLength, text.count > maxLength else { return nil }
            return problem(.invalid("must be at most \(maxLength) characters long (got \(text.count))"))
        case (.oneOf(let allowed), .string(let text)):
            return allowed.contains(text) ? nil : problem(.invalid("\(JSONBody.Problem.quoted(text)) is not one of \(JSONBody.Problem.list(allowed))"))
        case (.array(let maxCount), .array(let elements)):
            guard let maxCount, elements.count > maxCount else { return nil }
            return problem(.invalid("must hold at most \(maxCount) items (got \(elements.count))"))
        case (.stringOrStrings, .string):
            return nil
        case (.stringOrStrings(let maxCount), .array(let elements)):
            if let index = elements.firstIndex(where: { $0.stringValue == nil }) {
                return JSONBody.Problem(path: path + [String(index)], reason: .wrongType(expected: "a string", got: elements[index].typeName))
            }
            return elements.count > maxCount ? problem(.invalid("must hold at most \(maxCount) strings (got \(elements.count))")) : nil
        case (.metadata, .object(let members)):
            return metadataViolation(members)
        default:
            return problem(.wrongType(expected: expected, got: value.typeName))
        }
    }

    private func range(_ number: Double, min: Double?, max: Double?) -> JSONBody.Problem? {
        if let min, number < min { return problem(.invalid("must be at least \(Self.text(min)) (got \(Self.text(number)))")) }
        if let max, number > max { return problem(.invalid("must be at most \(Self.text(max)) (got \(Self.text(number)))")) }
        return nil
    }

    private func metadataViolation(_ members: [String: JSONValue]) -> JSONBody.Problem? {
        guard members.count <= 16 else { return problem(.invalid("must hold at most 16 keys (got \(members.count))")) }
        for key in members.keys.sorted() {
            guard key.count <= 64 else { return problem(.invalid("keys must be at most 64 characters long")) }
            guard case .string(let text)? = members[key] else {
                return JSONBody.Problem(path: path + [key], reason: .wrongType(expected: "a string", got: members[key]?.typeName ?? "null"))
            }
            guard text.count <= 512 else {
                return JSONBody.Problem(path: path + [key], reason: .invalid("must be at most 512 characters long (got \(text.count))"))
            }
        }
        return nil
    }

    private func problem(_ reason: JSONBody.Problem.Reason) -> JSONBody.Problem {
        JSONBody.Problem(path: path, reason: reason)
    }

    /// The kind, as the errors name it.
    var expected: String {
        switch kind {
        case .number: "a number"
        case .integer: "an integer"
        case .boolean: "a boolean"
        case .string, .oneOf: "a string"
        case .object, .metadata: "an object"
        case .array: "an array"
        case .stringOrStrings: "a string or an array of strings"
        }
    }

    /// `2`, `0.5`: a number as JSON writes it.
    static func text(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

extension JSONValue {
    /// The value's JSON type, as the API errors name it.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number(let number): number.rounded() == number ? "an integer" : "a decimal"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
