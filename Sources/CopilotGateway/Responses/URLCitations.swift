import Foundation

/// Copilot's citations as the Responses API's `url_citation` annotations, read back from the form the
/// gateway writes them in (`COPILOT_CITATIONS=markdown`): `[1]` in the text, and `[1]: <url> "title"`
/// definitions at its end. Offsets count Unicode scalars, as OpenAI's count characters.
enum URLCitations {
    static func annotations(in text: String) -> [JSONValue] {
        let scalars = Array(text.unicodeScalars)
        let end = CitationScan.endWithoutDefinitions(scalars)
        let sources = definitions(in: scalars[end...])
        guard !sources.isEmpty else { return [] }
        var annotations: [JSONValue] = []
        var index = 0
        while index < end {
            guard scalars[index] == "[", let (number, length) = marker(scalars, at: index, before: end), let source = sources[number] else {
                index += 1
                continue
            }
            annotations.append(.object([
                "type": .string("url_citation"), "url": .string(source.url), "title": .string(source.title),
                "start_index": .number(Double(index)), "end_index": .number(Double(index + length)),
            ]))
            index += length
        }
        return annotations
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
