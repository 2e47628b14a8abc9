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

    static let entityTags: Set<String> = [
        "Person", "Event", "File", "Email", "Message", "Meeting", "Chat", "Channel", "Site", "Team",
        "Task", "Place", "Organization", "Entity", "Document",
    ]
    static let longestEntityTag = 16
    /// The longest label read as a citation marker (`[^external^]` has 8 characters).
    static let longestMarkerLabel = 16

    /// How far the formatting of a growing text got, so that a longer version of the same text goes on
    /// from there instead of starting over: a streamed reply costs its length, not (snapshots × length).
    struct Progress {
        /// The text formatted last; a text goes on from `resumeAt` only when it starts with all of it.
        fileprivate var raw = ""
        /// Where formatting stopped in `raw`, as a UTF-8 offset: before markup that may not be complete yet.
        fileprivate var resumeAt = 0
        /// The output for `raw` up to `resumeAt`.
        fileprivate var output = ""
        fileprivate var cited: [String] = []

        init() {}
    }

    /// The chat text for `raw`, whose `[^n^]` markers point at `sources[n - 1]`.
    /// With `isComplete: false` unfinished trailing markup is left out and no definitions are added.
    func format(_ raw: String, sources: [ReplySource], isComplete: Bool) -> String {
        var progress = Progress()
        return format(raw, sources: sources, isComplete: isComplete, continuing: &progress)
    }

    /// The same as ``format(_:sources:isComplete:)``, reading only what `raw` adds to the text
    /// `progress` was last given when `raw` starts with all of that text (otherwise from the start).
    ///
    /// The text is read by Unicode scalars, so that reading can stop and go on anywhere between them.
    func format(_ raw: String, sources: [ReplySource], isComplete: Bool, continuing progress: inout Progress) -> String {
        if !raw.startsWithBytes(of: progress.raw) { progress = Progress() }
        progress.raw = raw
        let scalars = raw.unicodeScalars
        var index = raw.utf8.index(raw.utf8.startIndex, offsetBy: progress.resumeAt)
        var dropsTrailingSpace = false
        scan: while index < scalars.endIndex {
            // Text up to the next `<` or `[` goes out in one piece (all markup starts with one of them).
            let markupStart = raw.utf8[index...].firstIndex { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "[") } ?? raw.utf8.endIndex
            if markupStart > index {
                var end = markupStart
                if end == raw.utf8.endIndex, !isComplete, raw.utf8.last == UInt8(ascii: " ") {
                    end = raw.utf8.index(before: end)  // a marker that comes next may take this space with it
                }
                progress.output.append(contentsOf: Substring(scalars[index..<end]))
                index = end
                if end != markupStart { break scan }
                continue scan
            }
            let scalar = scalars[index]
            if scalar == "<" {
                switch Self.entityTag(in: scalars, at: index) {
                case .complete(_, let end):
                    index = end
                    continue scan
                case .unfinished where !isComplete:
                    break scan
                default:
                    break
                }
            } else if scalar == "[" {
                let afterSpace = index > scalars.startIndex && scalars[scalars.index(before: index)] == " "
                switch Self.marker(in: scalars, at: index) {
                case .complete(let label, let end):
                    apply(marker: scalars[index..<end], label: label, afterSpace: afterSpace, to: &progress.output, cited: &progress.cited)
                    index = end
                    continue scan
                case .unfinished where !isComplete:
                    // The marker may turn out to be one that is dropped with the space before it.
                    dropsTrailingSpace = afterSpace && progress.output.unicodeScalars.last == " "
                    break scan
                default:
                    break
                }
            }
            progress.output.unicodeScalars.append(scalar)
            index = scalars.index(after: index)
        }
        progress.resumeAt = raw.utf8.distance(from: raw.utf8.startIndex, to: index)
        var output = progress.output
        if dropsTrailingSpace { output.unicodeScalars.removeLast() }
        if isComplete, citations == .markdown {
            output += Self.definitions(for: progress.cited, sources: sources, after: output)
        }
        return output
    }

    private func apply(marker: Substring.UnicodeScalarView, label: String, afterSpace: Bool, to output: inout String, cited: inout [String]) {
        switch citations {
        case .raw:
            output.unicodeScalars.append(contentsOf: marker)
        case .markdown where label.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }):
            output += "[\(label)]"
            if !cited.contains(label) { cited.append(label) }
        case .markdown, .strip:
            if afterSpace, output.unicodeScalars.last == " " { output.unicodeScalars.removeLast() }
        }
    }

    /// The Markdown reference definitions for the cited numbers that have a source, after a blank line.
    static func definitions(for cited: [String], sources: [ReplySource], after text: String) -> String {
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

