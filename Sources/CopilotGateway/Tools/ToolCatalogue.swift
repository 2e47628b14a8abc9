import Crypto
import Foundation

/// A function a client offers (`tools` or the legacy `functions`).
public struct OfferedTool: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue
}

/// `tool_choice`: what the client allows or demands this turn.
public enum ToolChoice: Sendable, Equatable {
    case none, auto, required
    case named(String)
}

/// The tools of a turn and how Copilot is told about them.
///
/// Copilot has no function calling; the gateway describes the tools in plain text once per
/// conversation (again when they change) and asks for calls in one strict, simple format:
/// `<tool_call>{"name": …, "arguments": {…}}</tool_call>`.
public struct ToolCatalogue: Sendable, Equatable {
    public var tools: [OfferedTool]
    public var choice: ToolChoice
    public var allowsParallelCalls: Bool

    static let header = "TOOLS AVAILABLE IN THIS CONVERSATION"
    static let noneForThisMessage = "TOOLS: NONE FOR THIS MESSAGE"

    /// The catalogue text sent to Copilot.
    var text: String {
        var lines = [
            Self.header,
            "You can call the tools below. To call one, answer with only this, and nothing else:",
            #"<tool_call>{"name": "<tool name>", "arguments": {<arguments as a JSON object>}}</tool_call>"#,
            "For several calls, write one <tool_call> block per call. Use only these tool names and give every required argument.",
            "When no tool is needed, answer normally in plain text. A tool's result comes back as <tool_result name=\"…\" id=\"…\">…</tool_result>.",
            "Tools:",
        ]
        for tool in tools {
            lines.append("### \(tool.name)")
            if !tool.description.isEmpty { lines.append(tool.description) }
            lines.append("Parameters (JSON schema): \(tool.parameters.compactText)")
        }
        return lines.joined(separator: "\n")
    }

    /// The per-turn instruction about `tool_choice`.
    var choiceText: String {
        switch choice {
        case .none: Self.noneForThisMessage
        case .auto: "TOOL CHOICE: auto" + (allowsParallelCalls ? "" : " (at most one call)")
        case .required: "TOOL CHOICE: required (answer with a <tool_call> block)"
        case .named(let name): "TOOL CHOICE: \(name) (answer with a <tool_call> block calling \(name))"
        }
    }

    /// Changes when the tools change, so the catalogue is sent again.
    var digest: String {
        let digest = SHA256.hash(data: Data(text.utf8))
        return digest.prefix(16).lowercaseHex
    }

    /// Whether the reply must be a call.
    var requiresCall: Bool {
        switch choice {
        case .required, .named: true
        default: false
        }
    }

    /// The tools a call may name this turn.
    var callableNames: Set<String> {
        switch choice {
        case .none: []
        case .named(let name): [name]
        default: Set(tools.map(\.name))
        }
    }

    func tool(named name: String) -> OfferedTool? { tools.first { $0.name == name } }
}
