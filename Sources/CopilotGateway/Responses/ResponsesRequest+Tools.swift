/// The Responses dialect's tools, tool choice and answer form.
extension ResponsesRequest {
    /// Names of the `custom` tools: a call of one carries free text, not JSON arguments.
    var customToolNames: Set<String> {
        Set(tools.filter { $0.type == "custom" }.compactMap(\.name))
    }

    /// The function and custom tools as a catalogue (nil when none, or `tool_choice` is `none`), and
    /// whether `web_search` asked for web grounding. Other built-in tools are refused by name.
    func toolCatalogue() throws(OpenAIError) -> (ToolCatalogue?, webSearch: Bool?) {
        var declared: [DeclaredTool] = []
        var webSearch: Bool?
        for (index, tool) in tools.enumerated() {
            switch tool.type {
            case "function", "custom":
                let parameters = tool.type == "function" ? tool.parameters : CopilotPrompt.freeTextParameters(grammar: Self.grammar(of: tool.format))
                declared.append(DeclaredTool(name: tool.name, description: tool.description, parameters: parameters, place: "tools[\(index)].name"))
            case let type where type.hasPrefix("web_search"):
                // Codex's cached search (`external_web_access: false`) asks for no live web.
                if tool.externalWebAccess != false { webSearch = true }
            default:
                throw .invalidRequest(
                    "`tools[\(index)]` is the built-in tool `\(tool.type)`, which Copilot cannot run through the gateway; offer a function tool instead.",
                    param: "tools[\(index)].type")
            }
        }
        let choice = declared.isEmpty ? nil : try chosenTool()
        do {
            return (try ToolCatalogue.offering(declared, choice: choice, allowsParallelCalls: parallelToolCalls ?? true, maxNameLength: 64), webSearch)
        } catch {
            throw Self.wording(error)
        }
    }

    /// The core's tool problems in this dialect's words.
    static func wording(_ problem: ToolCatalogue.Problem) -> OpenAIError {
        switch problem {
        case .invalidName(_, let place, let maxLength):
            .invalidRequest("`\(place)` must be 1 to \(maxLength) letters, digits, underscores or dashes.", param: place)
        case .choiceNotOffered:
            .invalidRequest("`tool_choice.name` must name one of the offered `tools`.", param: "tool_choice.name")
        }
    }

    /// `tool_choice`: `none`, `auto`, `required`, or `{"type": "function" | "custom", "name"}`;
    /// `allowed_tools` and built-in choices leave the choice to Copilot.
    func chosenTool() throws(OpenAIError) -> ToolChoice {
        switch toolChoice {
        case nil, .string("auto")?: return .auto
        case .string("none")?: return .none
        case .string("required")?: return .required
        case .object(let object)?:
            guard let type = object["type"]?.stringValue, type == "function" || type == "custom" else { return .auto }
            guard let name = object["name"]?.stringValue else {
                throw .invalidRequest("`tool_choice.name` must name one of the offered `tools`.", param: "tool_choice.name")
            }
            return .named(name)
        default:
            throw .invalidRequest("`tool_choice` must be none, auto, required or an object naming a tool.", param: "tool_choice")
        }
    }

    /// `text.format`: `text`, `json_object` or `json_schema` (with its `schema`).
    func responseFormat() throws(OpenAIError) -> ResponseFormat {
        switch text?["format"]?["type"]?.stringValue {
        case nil, "text": return .text
        case "json_object": return .jsonObject
        case "json_schema": return .jsonSchema(text?["format"]?["schema"])
        case let other?:
            throw .invalidRequest("`text.format.type` '\(other)' is not one of text, json_object or json_schema.", param: "text.format.type")
        }
    }

    /// A custom tool's grammar (`format: {"type": "grammar", "syntax", "definition"}`), if it has one.
    static func grammar(of format: JSONValue?) -> (syntax: String, definition: String)? {
        guard format?["type"]?.stringValue == "grammar", let definition = format?["definition"]?.stringValue else { return nil }
        return (format?["syntax"]?.stringValue ?? "lark", definition)
    }
}
