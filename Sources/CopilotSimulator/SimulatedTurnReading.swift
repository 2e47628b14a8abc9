import Foundation

/// What the simulated model reads from one turn of the gateway's protocol: the user's own text,
/// tool results, the tool choice, JSON mode and corrective follow-ups.
struct SimulatedTurnReading: Sendable {
    /// `TOOL CHOICE: …` (or `TOOLS: NONE FOR THIS MESSAGE`, which is `none`).
    enum Choice: Sendable, Equatable {
        case auto, none, required
        case named(String)
    }

    /// One `<tool_result name="…" id="…">…</tool_result>` block.
    struct ToolResult: Sendable, Equatable {
        var name: String
        var id: String
        var content: String
    }

    static let correctionPrefix = "GATEWAY CORRECTION:"

    /// The prompt without the catalogue and the protocol's directive lines; the prompt itself when it has neither.
    var userText = ""
    /// The tool results in the prompt, in order.
    var results: [ToolResult] = []
    /// The latest catalogue of the conversation, this turn included.
    var catalogue: SimulatedToolCatalogue?
    /// This turn's tool choice (the last directive wins; `auto` by default).
    var choice: Choice = .auto
    /// Whether the tool choice said `(at most one call)`.
    var singleCall = false
    /// Whether JSON mode is on for this turn.
    var jsonMode = false
    /// The `JSON SCHEMA:` of this turn (or, for a correction, the latest one of the conversation).
    var jsonSchema: SimulatorJSON?
    /// The instruction after `GATEWAY CORRECTION:`, when the prompt is a correction.
    var correction: String?

    init(prompt: String, context: [String], history: [String]) {
        catalogue = SimulatedToolCatalogue.latest(in: history + context + [prompt])

        var lines = prompt.split(separator: "\n", omittingEmptySubsequences: false)
        var changed = false
        if let region = SimulatedToolCatalogue.region(in: lines) {
            lines.removeSubrange(region)
            changed = true
        }
        let body = lines.joined(separator: "\n")
        results = Self.toolResults(in: body)

        // Context entries come before the message, so a directive in the message wins.
        for entry in context {
            for line in entry.split(separator: "\n") { _ = readDirective(line) }
        }
        var kept: [Substring] = []
        for line in lines {
            if readDirective(line) { changed = true } else { kept.append(line) }
        }
        userText = changed ? kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) : prompt

        let trimmed = userText.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix(Self.correctionPrefix) {
            let instruction = trimmed.dropFirst(Self.correctionPrefix.count).trimmingCharacters(in: .whitespaces)
            correction = instruction
            readCorrection(instruction, history: history)
        }
    }

    /// Applies a directive line (`TOOL CHOICE:`, `TOOLS: NONE FOR THIS MESSAGE`, `JSON MODE:`,
    /// `JSON SCHEMA:`); returns false for any other line.
    private mutating func readDirective(_ rawLine: Substring) -> Bool {
        let line = rawLine.trimmingCharacters(in: .whitespaces)
        if line.contains(SimulatedToolCatalogue.noneForThisMessage) {
            choice = .none
        } else if let value = Self.value(of: "TOOL CHOICE:", in: line) {
            let token = value.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? "auto"
            switch token.lowercased() {
            case "auto": choice = .auto
            case "none": choice = .none
            case "required": choice = .required
            default: choice = .named(token)
            }
            singleCall = value.lowercased().contains("at most one call")
        } else if Self.value(of: "JSON MODE:", in: line) != nil {
            jsonMode = true
        } else if let value = Self.value(of: "JSON SCHEMA:", in: line) {
            jsonSchema = SimulatorJSON.parse(value)
        } else {
            return false
        }
        return true
    }

    /// A correction asks again for a call (`… calling get_weather` when that tool is in the catalogue,
    /// else `… a <tool_call> block`) or for JSON.
    private mutating func readCorrection(_ instruction: String, history: [String]) {
        let lowered = instruction.lowercased()
        let calling = /calling\s+[`'"]?([A-Za-z0-9_\-]+)/.ignoresCase()
        let catalogue = self.catalogue
        let named = instruction.matches(of: calling).compactMap { catalogue?.tool(named: String($0.output.1)) }.first
        if let named {
            if choice != .none { choice = .named(named.name) }
        } else if lowered.contains("<tool_call>") || lowered.contains("tool call") {
            if choice == .auto { choice = .required }
        } else if lowered.contains("json") {
            jsonMode = true
            if jsonSchema == nil {
                jsonSchema = history.reversed().lazy.compactMap(Self.schemaLine).first
            }
        }
    }

    private static func schemaLine(in text: String) -> SimulatorJSON? {
        text.split(separator: "\n").reversed().lazy.compactMap { line in
            value(of: "JSON SCHEMA:", in: line.trimmingCharacters(in: .whitespaces)).flatMap(SimulatorJSON.parse)
        }.first
    }

    /// The rest of `line` after `prefix`, trimmed, or nil when the line does not start with it.
    private static func value(of prefix: String, in line: String) -> String? {
        guard line.hasPrefix(prefix) else { return nil }
        return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
    }

    static func toolResults(in text: String) -> [ToolResult] {
        let pattern = /<tool_result\s+name="([^"]*)"(?:\s+id="([^"]*)")?[^>]*>(.*?)<\/tool_result>/.dotMatchesNewlines()
        return text.matches(of: pattern).map { match in
            ToolResult(
                name: String(match.output.1), id: match.output.2.map(String.init) ?? "",
                content: match.output.3.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
