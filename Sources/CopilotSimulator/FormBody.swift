import Foundation

/// An `application/x-www-form-urlencoded` body (or query string): fields in order, first value wins.
struct FormBody: Sendable, Equatable {
    /// Field names whose values are secrets: never recorded, never logged.
    static let secretFields: Set<String> = ["refresh_token", "device_code", "code", "client_secret", "assertion"]

    private(set) var fields: [(name: String, value: String)]

    init(_ text: String) {
        fields = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            return (Self.decode(parts[0]), value)
        }
    }

    /// The first value of `name`, if the field is present.
    subscript(name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// The first value of `name`, or nil when it is absent or blank.
    func nonEmpty(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The fields as a JSON object (first value of each name), secret values replaced by ``RecordedRequest/redacted``.
    var redactedJSON: SimulatorJSON {
        var members: [(String, SimulatorJSON)] = []
        for (name, value) in fields where !members.contains(where: { $0.0 == name }) {
            let isSecret = Self.secretFields.contains(name) || name.hasPrefix("client_assertion")
            members.append((name, .string(isSecret ? RecordedRequest.redacted : value)))
        }
        return .object(members)
    }

    /// `query` with every secret value replaced by ``RecordedRequest/redacted``.
    static func redactedQuery(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let decoded = decode(name)
            guard secretFields.contains(decoded) || decoded.hasPrefix("client_assertion") else { return String(pair) }
            return "\(name)=\(RecordedRequest.redacted)"
        }.joined(separator: "&")
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    static func == (lhs: FormBody, rhs: FormBody) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }
}
