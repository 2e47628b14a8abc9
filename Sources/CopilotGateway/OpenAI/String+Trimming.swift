extension StringProtocol {
    /// The text without leading and trailing Unicode whitespace (newlines included); the same as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` without a trip through `NSString`.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
