import Foundation

/// The scanning behind `ReplyFormatter.withoutCitations`.
enum CitationScan {
    typealias Scalars = [Unicode.Scalar]

    static func isNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    /// Where the text ends once trailing blank lines and reference definitions (`[n]: <url> …`) are gone.
    static func endWithoutDefinitions(_ scalars: Scalars) -> Int {
        var end = scalars.count
        while true {
            var start = end
            while start > 0, !isNewline(scalars[start - 1]) { start -= 1 }
            let line = scalars[start..<end]
            guard line.allSatisfy(\.isWhitespace) || isReferenceDefinition(line) else { return end }
            if start == 0 { return 0 }
            end = start - 1
        }
    }

    /// `[ ]{0,3}\[[0-9]{1,9}\]:[ \t]*\S.*`
    static func isReferenceDefinition(_ line: ArraySlice<Unicode.Scalar>) -> Bool {
        var index = line.startIndex
        var spaces = 0
        while index < line.endIndex, line[index] == " ", spaces < 3 { index += 1; spaces += 1 }
        guard index < line.endIndex, line[index] == "[" else { return false }
        index += 1
        let digitsStart = index
        while index < line.endIndex, isDigit(line[index]) { index += 1 }
        guard (1...9).contains(index - digitsStart), index + 1 < line.endIndex, line[index] == "]", line[index + 1] == ":" else { return false }
        index += 2
        while index < line.endIndex, line[index] == " " || line[index] == "\t" { index += 1 }
        return index < line.endIndex && !line[index].isWhitespace
    }

    /// The length of a `[^…^]` marker (1 to 32 characters other than brackets, carets and whitespace) at `index`.
    static func caretMarkerLength(_ scalars: Scalars, _ index: Int) -> Int? {
        guard index + 1 < scalars.count, scalars[index] == "[", scalars[index + 1] == "^" else { return nil }
        var end = index + 2
        while end < scalars.count, end - index - 2 < 33 {
            let scalar = scalars[end]
            if scalar == "[" || scalar == "]" || scalar == "^" || scalar.isWhitespace { break }
            end += 1
        }
        let inner = end - index - 2
        guard (1...32).contains(inner), end + 1 < scalars.count, scalars[end] == "^", scalars[end + 1] == "]" else { return nil }
        return end + 2 - index
    }

    /// The length of a `[n]` marker (1 to 9 digits) at `index` that is not a Markdown link (`[1](…)`).
    static func numberMarkerLength(_ scalars: Scalars, _ index: Int) -> Int? {
        guard scalars[index] == "[" else { return nil }
        var end = index + 1
        while end < scalars.count, isDigit(scalars[end]) { end += 1 }
        guard (1...9).contains(end - index - 1), end < scalars.count, scalars[end] == "]" else { return nil }
        if end + 1 < scalars.count, scalars[end + 1] == "(" { return nil }
        return end + 1 - index
    }

    /// `scalars` without each marker `length` finds, and without the whitespace just before it.
    static func removingMarkers(_ scalars: Scalars, at length: (Scalars, Int) -> Int?) -> Scalars {
        var result: Scalars = []
        result.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "[", let count = length(scalars, index) {
                while let last = result.last, last.isWhitespace { result.removeLast() }
                index += count
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return result
    }
}
