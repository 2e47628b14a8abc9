extension StringProtocol {
    /// The text without leading and trailing Unicode whitespace (newlines included); the same as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` without a trip through `NSString`.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}

extension Unicode.Scalar {
    /// Unicode's White_Space property, with ASCII answered without a property lookup (which is slow).
    var isWhitespace: Bool {
        value < 0x80 ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace
    }
}
