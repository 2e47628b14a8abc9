import Foundation

/// One of Copilot's citations in a reply's final text: the source, and where its marker stands.
/// Offsets count Unicode scalars, as OpenAI's count characters.
struct TextCitation: Sendable, Equatable {
    var url: String
    var title: String
    /// The marker `[n]`: its first scalar, and the one after it.
    var start: Int
    var end: Int
    /// The text the marker cites: its sentence, up to the marker.
    var citedText: String
}

/// Copilot's citations read back from the form the gateway writes them in (`COPILOT_CITATIONS=markdown`):
/// `[1]` in the text, and `[1]: <url> "title"` definitions at its end. Each dialect writes them in its
/// own shape (OpenAI's `url_citation` annotations, Anthropic's `citations`).
enum URLCitations {
    static func citations(in text: String) -> [TextCitation] {
        let scalars = Array(text.unicodeScalars)
        let end = CitationScan.endWithoutDefinitions(scalars)
        let sources = definitions(in: scalars[end...])
        guard !sources.isEmpty else { return [] }
        var citations: [TextCitation] = []
        var index = 0
        while index < end {
            guard scalars[index] == "[", let (number, length) = marker(scalars, at: index, before: end), let source = sources[number] else {
                index += 1
                continue
            }
            citations.append(TextCitation(
                url: source.url, title: source.title, start: index, end: index + length, citedText: sentence(before: index, in: scalars)))
            index += length
        }
        return citations
    }

    /// The sentence a marker at `index` ends (its own end, and spaces before the marker, passed over):
    /// back to the previous sentence's end or line break.
    static func sentence(before index: Int, in scalars: [Unicode.Scalar]) -> String {
        let ends = Set(".!?。！？\n".unicodeScalars)
        var last = index
        while last > 0 {
            // Spaces, the sentence's own end, and the markers before this one (`[1][2]`) are passed over.
            if scalars[last - 1] == " " || ends.contains(scalars[last - 1]) && scalars[last - 1] != "\n" {
                last -= 1
            } else if scalars[last - 1] == "]", let open = scalars[max(0, last - 12)..<(last - 1)].lastIndex(of: "["),
                scalars[(open + 1)..<(last - 1)].allSatisfy(CitationScan.isDigit), open + 1 < last - 1
            {
                last = open
            } else {
                break
            }
        }
        var start = last
        while start > 0, !ends.contains(scalars[start - 1]) { start -= 1 }
        return String(String.UnicodeScalarView(scalars[start..<last])).trimmingWhitespace
    }

    /// `[n]` at `index`: its number and length.
    static func marker(_ scalars: [Unicode.Scalar], at index: Int, before end: Int) -> (Int, Int)? {
        var cursor = index + 1
        while cursor < end, CitationScan.isDigit(scalars[cursor]), cursor - index <= 9 { cursor += 1 }
        guard cursor > index + 1, cursor < end, scalars[cursor] == "]" else { return nil }
        // A definition-like `[n]:` or a link `[n](…)` is not a citation marker.
        if cursor + 1 < end, scalars[cursor + 1] == ":" || scalars[cursor + 1] == "(" { return nil }
        guard let number = Int(String(String.UnicodeScalarView(scalars[(index + 1)..<cursor]))) else { return nil }
        return (number, cursor + 1 - index)
    }

    /// The `[n]: <url> "title"` lines.
    static func definitions(in tail: ArraySlice<Unicode.Scalar>) -> [Int: (url: String, title: String)] {
        var sources: [Int: (url: String, title: String)] = [:]
        for line in String(String.UnicodeScalarView(tail)).split(whereSeparator: \.isNewline) {
            let line = line.trimmingWhitespace
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]"), let number = Int(line[line.index(after: line.startIndex)..<close]),
                let open = line.firstIndex(of: "<"), let urlEnd = line[open...].firstIndex(of: ">")
            else { continue }
            let url = String(line[line.index(after: open)..<urlEnd])
            var title = ""
            if let quote = line[urlEnd...].firstIndex(of: "\""), let last = line.lastIndex(of: "\""), last > quote {
                title = line[line.index(after: quote)..<last].replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
            }
            sources[number] = (url, title)
        }
        return sources
    }
}
