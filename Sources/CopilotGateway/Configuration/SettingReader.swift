import Configuration

import Foundation

/// Reads settings by name, in the shapes the gateway's settings take, and collects every invalid one
/// (the default stands in for it) so that start-up names them all at once.
struct SettingReader {
    let reader: ConfigReader
    private(set) var problems: [ConfigurationError.Problem] = []

    init(_ reader: ConfigReader) {
        self.reader = reader
    }

    mutating func report(_ name: String, _ value: String, expected: String) {
        problems.append(.init(name: name, value: value, expected: expected))
    }

    /// The value, trimmed; nil when unset or blank.
    func string(_ name: String) -> String? {
        guard let value = reader.string(forKey: ConfigKey(name), isSecret: GatewayConfiguration.secretNames.contains(name)) else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    mutating func flag(_ name: String, default defaultValue: Bool) -> Bool {
        parsed(name, default: defaultValue, expected: "1 or 0 (also true/false, yes/no, on/off)") { value in
            switch value.lowercased() {
            case "1", "true", "yes", "on": true
            case "0", "false", "no", "off": false
            default: nil
            }
        }
    }

    mutating func seconds(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Duration {
        let expected = "a whole number of seconds from \(range.lowerBound) to \(range.upperBound)"
        return .seconds(parsed(name, default: defaultValue, expected: expected) { Int($0).flatMap { range.contains($0) ? $0 : nil } })
    }

    mutating func count(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        parsed(name, default: defaultValue, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)") {
            Int($0).flatMap { range.contains($0) ? $0 : nil }
        }
    }

    /// An http(s) URL without its trailing slash.
    mutating func url(_ name: String, default defaultValue: String) -> String {
        let value = string(name) ?? defaultValue
        guard let parsed = URL(string: value), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            parsed.host?.isEmpty == false
        else {
            report(name, value, expected: "an http:// or https:// URL such as \(defaultValue)")
            return defaultValue
        }
        return value.hasSuffix("/") ? String(value.dropLast()) : value
    }

    /// A setting that `parse` turns into a value, or nil when the text is not valid.
    mutating func parsed<Value>(_ name: String, default defaultValue: Value, expected: String, _ parse: (String) -> Value?) -> Value {
        guard let text = string(name) else { return defaultValue }
        guard let value = parse(text) else {
            report(name, text, expected: expected)
            return defaultValue
        }
        return value
    }
}
