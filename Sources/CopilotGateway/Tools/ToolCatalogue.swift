/// A function a client offers (`tools` or the legacy `functions`).
public struct OfferedTool: Sendable, Equatable {
    public var name: String
    public var description: String
    public var parameters: JSONValue

    /// Whether `name` is 1 to `maxLength` ASCII letters, digits, underscores or hyphens, as the APIs
    /// require of tool names.
    static func isValidName(_ name: String, maxLength: Int) -> Bool {
        (1...maxLength).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
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
/// `<tool_call>{"name": …, "arguments": {…}}</tool_call>` (the words are in `CopilotPrompt`).
public struct ToolCatalogue: Sendable, Equatable {
    public var tools: [OfferedTool]
    public var choice: ToolChoice
    public var allowsParallelCalls: Bool

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
