/// Reading Copilot's markup (entity tags and citation markers) scalar by scalar.
extension ReplyFormatter {
    enum Markup: Equatable {
        /// Markup that ends before `end`; `label` is a marker's label or a tag's name.
        case complete(label: String, end: String.Index)
        /// The text ends inside what may still become markup.
        case unfinished
        /// Not markup: the scalar is ordinary text.
        case text
    }

    /// An entity tag `<Name>` or `</Name>` at `start` (which holds `<`).
    static func entityTag(in raw: String.UnicodeScalarView, at start: String.Index) -> Markup {
        var index = raw.index(after: start)
        if index < raw.endIndex, raw[index] == "/" { index = raw.index(after: index) }
        let nameStart = index
        var length = 0
        while index < raw.endIndex, raw[index].properties.isAlphabetic, length <= longestEntityTag {
            index = raw.index(after: index)
            length += 1
        }
        let name = String(Substring(raw[nameStart..<index]))
        guard index < raw.endIndex else {
            return entityTags.contains { $0.hasPrefix(name) } ? .unfinished : .text
        }
        guard raw[index] == ">", entityTags.contains(name) else { return .text }
        return .complete(label: name, end: raw.index(after: index))
    }

    /// A citation marker `[^label^]` at `start` (which holds `[`); labels are letters and digits.
    static func marker(in raw: String.UnicodeScalarView, at start: String.Index) -> Markup {
        var index = raw.index(after: start)
        guard index < raw.endIndex else { return .unfinished }
        guard raw[index] == "^" else { return .text }
        index = raw.index(after: index)
        let labelStart = index
        var length = 0
        while index < raw.endIndex, raw[index].properties.isAlphabetic || raw[index].properties.numericType != nil {
            length += 1
            guard length <= longestMarkerLabel else { return .text }
            index = raw.index(after: index)
        }
        let label = String(Substring(raw[labelStart..<index]))
        guard index < raw.endIndex else { return .unfinished }
        guard !label.isEmpty, raw[index] == "^" else { return .text }
        index = raw.index(after: index)
        guard index < raw.endIndex else { return .unfinished }
        guard raw[index] == "]" else { return .text }
        return .complete(label: label, end: raw.index(after: index))
    }
}
