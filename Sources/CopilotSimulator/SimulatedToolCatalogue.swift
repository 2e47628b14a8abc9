import Foundation

/// One tool of the gateway's catalogue: `### name`, a description, `Parameters (JSON schema): {…}`.
public struct SimulatedTool: Sendable, Equatable {
    /// The tool's name (the text after `### `).
    public var name: String
    /// The description lines between the name and the parameters line; may be empty.
    public var description: String
    /// The parameters schema; an empty object when the line is missing or not valid JSON.
    public var parameters: SimulatorJSON

    /// Creates a tool.
    public init(name: String, description: String = "", parameters: SimulatorJSON = .object([])) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// The tools the gateway described to the simulated model, read back from the catalogue text
/// (a line `TOOLS AVAILABLE IN THIS CONVERSATION`, instructions, then one `### name` block per tool).
public struct SimulatedToolCatalogue: Sendable, Equatable {
    /// The tools, in catalogue order.
    public var tools: [SimulatedTool]

    /// The line that starts a catalogue.
    public static let header = "TOOLS AVAILABLE IN THIS CONVERSATION"
    /// The per-turn marker that offers no tools for that turn.
    public static let noneForThisMessage = "TOOLS: NONE FOR THIS MESSAGE"
    /// The prefix of each tool's parameters line.
    static let parametersPrefix = "Parameters (JSON schema):"

    /// Creates a catalogue.
    public init(tools: [SimulatedTool]) {
        self.tools = tools
    }

    /// The tool called `name`: an exact match, else the only case-insensitive match.
    public func tool(named name: String) -> SimulatedTool? {
        if let exact = tools.first(where: { $0.name == name }) { return exact }
        let folded = tools.filter { $0.name.lowercased() == name.lowercased() }
        return folded.count == 1 ? folded.first : nil
    }

    /// The catalogue in `text` (its last one, if it holds several), or nil when `text` has none.
    public static func parse(_ text: String) -> SimulatedToolCatalogue? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.lastIndex(where: { $0.contains(header) }) else { return nil }
        var tools: [SimulatedTool] = []
        var current: SimulatedTool?
        var description: [Substring] = []
        func finish() {
            guard var tool = current else { return }
            tool.description = trimmedLines(description)
            tools.append(tool)
            current = nil
            description = []
        }
        for line in lines[(start + 1)...] {
            if line.hasPrefix("### ") {
                finish()
                current = SimulatedTool(name: line.dropFirst(4).trimmingCharacters(in: .whitespaces))
            } else if line.hasPrefix(parametersPrefix), current != nil {
                let schema = line.dropFirst(parametersPrefix.count).trimmingCharacters(in: .whitespaces)
                if let parsed = SimulatorJSON.parse(schema), case .object = parsed { current?.parameters = parsed }
                finish()
            } else if current != nil {
                description.append(line)
            }
        }
        finish()
        return SimulatedToolCatalogue(tools: tools.filter { !$0.name.isEmpty })
    }

    /// The latest catalogue among `texts` (oldest first): a newer catalogue replaces an older one.
    public static func latest(in texts: [String]) -> SimulatedToolCatalogue? {
        for text in texts.reversed() {
            if let catalogue = parse(text) { return catalogue }
        }
        return nil
    }

    /// The line range of the catalogue in `lines` (from the header to the last parameters line, or
    /// to the first blank line when no tool follows), so the user's own text around it can be read.
    static func region(in lines: [Substring]) -> ClosedRange<Int>? {
        guard let start = lines.lastIndex(where: { $0.contains(header) }) else { return nil }
        if let end = lines.lastIndex(where: { $0.hasPrefix(parametersPrefix) }), end > start {
            return start...end
        }
        let end = lines[start...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? lines.count
        return start...(end - 1)
    }

    private static func trimmedLines(_ lines: [Substring]) -> String {
        lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
