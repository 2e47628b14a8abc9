import Foundation

/// Reads the JSON a language model writes: inside code fences or prose, with single-quoted strings,
/// trailing commas or Python's True/False/None. Strict JSON is tried first.
enum LenientJSON {
    /// The value of `text`, repaired if needed.
    static func parse(_ text: Substring) -> JSONValue? {
        if let value = try? JSONValue(parsing: text) { return value }
        return try? JSONValue(parsing: repaired(text))
    }

    /// Every `{…}` object in `text` that parses, in order, with where it stands.
    static func objects(in text: String) -> [(value: JSONValue, range: Range<String.Index>)] {
        var found: [(JSONValue, Range<String.Index>)] = []
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "{") {
            if let close = matchingBrace(in: text, from: open), let value = parse(text[open...close]), case .object = value {
                found.append((value, open..<text.index(after: close)))
                index = text.index(after: close)
            } else {
                index = text.index(after: open)
            }
        }
        return found
    }

    /// The `}` that closes the `{` at `open`, skipping strings in either kind of quotes.
    static func matchingBrace(in text: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var quote: Character?
        var escaped = false
        var index = open
        while index < text.endIndex {
            let character = text[index]
            if let active = quote {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == active { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "{" {
                depth += 1
            } else if character == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// Single quotes become double quotes, trailing commas go, Python literals become JSON ones.
    static func repaired(_ text: Substring) -> String {
        var output = ""
        var quote: Character?
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let active = quote {
                if escaped {
                    escaped = false
                    // `\'` inside single quotes is a plain quote in JSON; other escapes stay.
                    if !(active == "'" && character == "'") { output.append("\\") }
                    output.append(character)
                } else if character == "\\" {
                    escaped = true
                } else if character == active {
                    quote = nil
                    output.append("\"")
                } else if character == "\"" {
                    output.append("\\\"")
                } else {
                    output.append(character)
                }
            } else if character == "\"" || character == "'" {
                quote = character
                output.append("\"")
            } else if character == "," {
                let rest = text[text.index(after: index)...].drop { $0.isWhitespace }
                if rest.first != "}" && rest.first != "]" { output.append(character) }
            } else {
                output.append(character)
            }
            index = text.index(after: index)
        }
        return output
            .replacingOccurrences(of: #"(?<![\w"])True(?![\w"])"#, with: "true", options: .regularExpression)
            .replacingOccurrences(of: #"(?<![\w"])False(?![\w"])"#, with: "false", options: .regularExpression)
            .replacingOccurrences(of: #"(?<![\w"])None(?![\w"])"#, with: "null", options: .regularExpression)
    }
}
