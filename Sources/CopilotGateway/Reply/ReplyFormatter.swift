import Foundation

/// Turns Copilot's reply markup into chat text, the same way for streamed and whole replies.
///
/// - Entity tags such as `<Person>Ada</Person>` or `<File>Plan.docx</File>` keep only their inner text.
/// - Citation markers depend on ``citations``:
///   - `markdown`: `[^1^]` becomes `[1]`, and a complete reply ends with a Markdown reference
///     definition `[1]: <url> "title"` for each cited number that has a source; `[^external^]`
///     (grounding on our own context) is dropped with the space before it.
///   - `strip`: every `[^…^]` marker is dropped with the space before it.
///   - `raw`: markers stay exactly as Copilot wrote them.
///
/// While a reply is still streaming, a trailing piece of markup that may not be complete yet
/// (`<Pers`, `[^1`, a lone `[`) is held back, and so is a trailing space that a dropped marker could
/// still take with it. So the texts of growing snapshots only ever grow, and the streamed pieces add up
/// to exactly the text of the whole reply: the reference definitions come last, after everything else.
struct ReplyFormatter: Sendable {
    var citations: CitationStyle

    static let entityTags: Set<Substring> = [
        "Person", "Event", "File", "Email", "Message", "Meeting", "Chat", "Channel", "Site", "Team",
        "Task", "Place", "Organization", "Entity", "Document",
    ]
    static let longestEntityTag = 16
    /// The longest label read as a citation marker (`[^external^]` has 8 characters).
    static let longestMarkerLabel = 16

    /// The chat text for `raw`, whose `[^n^]` markers point at `sources[n - 1]`.
    /// With `isComplete: false` unfinished trailing markup is left out and no definitions are added.
    func format(_ raw: String, sources: [ReplySource], isComplete: Bool) -> String {
        var output = ""
        output.reserveCapacity(raw.utf8.count)
        var cited: [Substring] = []
        var index = raw.startIndex
        scan: while index < raw.endIndex {
            let character = raw[index]
            if character == "<" {
                switch Self.entityTag(in: raw, at: index) {
                case .complete(_, let end):
                    index = end
                    continue scan
                case .unfinished where !isComplete:
                    break scan
                default:
                    break
                }
            } else if character == "[" {
                let afterSpace = index > raw.startIndex && raw[raw.index(before: index)] == " "
                switch Self.marker(in: raw, at: index) {
                case .complete(let label, let end):
                    apply(marker: raw[index..<end], label: label, afterSpace: afterSpace, to: &output, cited: &cited)
                    index = end
                    continue scan
                case .unfinished where !isComplete:
                    // The marker may turn out to be one that is dropped with the space before it.
                    if afterSpace, output.last == " " { output.removeLast() }
                    break scan
                default:
                    break
                }
            } else if character == " ", !isComplete, raw.index(after: index) == raw.endIndex {
                break scan  // a marker that comes next may take this space with it
            }
            output.append(character)
            index = raw.index(after: index)
        }
        if isComplete, citations == .markdown {
            output += Self.definitions(for: cited, sources: sources, after: output)
        }
        return output
    }

    private func apply(marker: Substring, label: Substring, afterSpace: Bool, to output: inout String, cited: inout [Substring]) {
        switch citations {
        case .raw:
            output += marker
        case .markdown where label.allSatisfy(\.isASCIIDigit):
            output += "[\(label)]"
            if !cited.contains(label) { cited.append(label) }
        case .markdown, .strip:
            if afterSpace, output.last == " " { output.removeLast() }
        }
    }

    /// The Markdown reference definitions for the cited numbers that have a source, after a blank line.
    static func definitions(for cited: [Substring], sources: [ReplySource], after text: String) -> String {
        var lines: [String] = []
        for label in cited {
            guard let number = Int(label), number >= 1, number <= sources.count else { continue }
            let source = sources[number - 1]
            let url = linkDestination(source.url)
            guard !url.isEmpty else { continue }
            let title = linkTitle(source.title)
            lines.append("[\(label)]: <\(url)>" + (title.isEmpty ? "" : " \"\(title)\""))
        }
        guard !lines.isEmpty else { return "" }
        let trailingNewlines = text.reversed().prefix(2).prefix(while: \.isNewline).count
        return String(repeating: "\n", count: 2 - trailingNewlines) + lines.joined(separator: "\n")
    }

    /// A URL that fits between `<` and `>`: no angle brackets, spaces or line breaks.
    static func linkDestination(_ url: String) -> String {
        var result = ""
        for character in url {
            switch character {
            case "<": result += "%3C"
            case ">": result += "%3E"
            case " ", "\t": result += "%20"
            case _ where character.isNewline: continue
            default: result.append(character)
            }
        }
        return result
    }

    /// A title that fits between double quotes on one line.
    static func linkTitle(_ title: String) -> String {
        var result = ""
        for character in title {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where character.isNewline: result += " "
            default: result.append(character)
            }
        }
        return result
    }

    // MARK: Reading markup

    enum Markup: Equatable {
        /// Markup that ends before `end`; `label` is a marker's label or a tag's name.
        case complete(label: Substring, end: String.Index)
        /// The text ends inside what may still become markup.
        case unfinished
        /// Not markup: the character is ordinary text.
        case text
    }

    /// An entity tag `<Name>` or `</Name>` at `start` (which holds `<`).
    static func entityTag(in raw: String, at start: String.Index) -> Markup {
        var index = raw.index(after: start)
        if index < raw.endIndex, raw[index] == "/" { index = raw.index(after: index) }
        let nameStart = index
        var length = 0
        while index < raw.endIndex, raw[index].isLetter, length <= longestEntityTag {
            index = raw.index(after: index)
            length += 1
        }
        let name = raw[nameStart..<index]
        guard index < raw.endIndex else {
            return entityTags.contains { $0.hasPrefix(name) } ? .unfinished : .text
        }
        guard raw[index] == ">", entityTags.contains(name) else { return .text }
        return .complete(label: name, end: raw.index(after: index))
    }

    /// A citation marker `[^label^]` at `start` (which holds `[`); labels are letters and digits.
    static func marker(in raw: String, at start: String.Index) -> Markup {
        var index = raw.index(after: start)
        guard index < raw.endIndex else { return .unfinished }
        guard raw[index] == "^" else { return .text }
        index = raw.index(after: index)
        let labelStart = index
        var length = 0
        while index < raw.endIndex, raw[index].isLetter || raw[index].isNumber {
            length += 1
            guard length <= longestMarkerLabel else { return .text }
            index = raw.index(after: index)
        }
        let label = raw[labelStart..<index]
        guard index < raw.endIndex else { return .unfinished }
        guard !label.isEmpty, raw[index] == "^" else { return .text }
        index = raw.index(after: index)
        guard index < raw.endIndex else { return .unfinished }
        guard raw[index] == "]" else { return .text }
        return .complete(label: label, end: raw.index(after: index))
    }

    // MARK: Comparing replies

    /// `text` without the citations the gateway writes, for telling whether two copies of a reply are
    /// the same: inline `[n]` and `[^…^]` markers (with the whitespace before them) and the trailing
    /// reference definitions `[n]: <url> …` go, whitespace runs become one space, and the ends are trimmed.
    ///
    /// This runs on every turn of every history (the conversation fingerprint), so it scans Unicode
    /// scalars in a few linear passes instead of using regular expressions.
    static func withoutCitations(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        scalars.removeLast(scalars.count - CitationScan.endWithoutDefinitions(scalars))
        if scalars.contains("[") {
            scalars = CitationScan.removingMarkers(scalars, at: CitationScan.caretMarkerLength)
            scalars = CitationScan.removingMarkers(scalars, at: CitationScan.numberMarkerLength)
        }
        var result: [UInt8] = []
        result.reserveCapacity(scalars.count)
        var pendingSpace = false
        for scalar in scalars {
            if scalar.isWhitespace {
                pendingSpace = true
            } else {
                if pendingSpace, !result.isEmpty { result.append(UInt8(ascii: " ")) }
                pendingSpace = false
                if scalar.isASCII { result.append(UInt8(scalar.value)) } else { UTF8.encode(scalar) { result.append($0) } }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
