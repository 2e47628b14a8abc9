import Foundation

/// A `.env` file as the original gateway's users write it: `KEY=value` lines, `#` comments,
/// an optional `export ` prefix, and values in single or double quotes that lose their quotes.
public struct DotEnvFile: Sendable, Equatable {
    /// The variables in file order; a later duplicate replaces an earlier one.
    public var values: [String: String]

    /// Parses the contents of a `.env` file. Lines that are not assignments are ignored.
    public init(contents: String) {
        var values: [String: String] = [:]
        for rawLine in contents.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            var line = Substring(rawLine.trimmingWhitespace)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = Substring(line.dropFirst("export ".count).trimmingWhitespace) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            values[key] = Self.unquote(Substring(line[line.index(after: equals)...].trimmingWhitespace))
        }
        self.values = values
    }

    /// Reads a `.env` file; a missing file is an empty one.
    public static func load(path: String) throws -> DotEnvFile {
        guard FileManager.default.fileExists(atPath: path) else { return DotEnvFile(contents: "") }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return DotEnvFile(contents: String(decoding: data, as: UTF8.self))
    }

    /// `"a b"` → `a b` (with `\n`, `\"` and `\\` escapes), `'a b'` → `a b` (literal),
    /// and an unquoted value loses a trailing ` # comment`.
    static func unquote(_ value: Substring) -> String {
        if let quote = value.first, quote == "\"" || quote == "'" {
            let body = value.dropFirst()
            guard let close = body.lastIndex(of: quote) else { return String(value) }
            let inner = body[..<close]
            guard quote == "\"" else { return String(inner) }
            var result = ""
            var escaping = false
            for character in inner {
                if escaping {
                    switch character {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    default: result.append(character)
                    }
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else {
                    result.append(character)
                }
            }
            return result
        }
        if let comment = value.range(of: " #") {
            return value[..<comment.lowerBound].trimmingWhitespace
        }
        return String(value)
    }
}
