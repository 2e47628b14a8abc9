/// How Copilot's citation markers (`[^1^]`) are written in replies.
public enum CitationStyle: String, Sendable, CaseIterable {
    /// `[1]` in the text and, at the end, Markdown reference links `[1]: <url> "title"` from Copilot's attributions.
    case markdown
    /// Markers removed.
    case strip
    /// Markers as Copilot sent them.
    case raw
}
