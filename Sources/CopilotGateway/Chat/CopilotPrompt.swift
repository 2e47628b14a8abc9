import Crypto
import Foundation

/// Every word the gateway sends Copilot: the message of a turn, the transcript and system prompt that
/// seed a new conversation (and how far they are cut), the tool catalogue and the per-turn tool choice,
/// the JSON-mode instruction, the corrections when a reply lacks the required form, and the notes
/// about pictures. Copilot Chat has no system prompt, no tools and no JSON mode of its own: all of it
/// travels as `additionalContext` beside the message.
struct CopilotPrompt: Sendable {
    var timeZone: String
    var webEnabled: Bool

    /// How much of a system prompt and of the earlier turns a new conversation is seeded with.
    static let instructionsLimit = 8000
    static let transcriptLimit = 16_000

    /// The Graph body for `turn`. A new conversation (`seeded`) also gets the system prompt and the
    /// earlier turns, so Copilot can continue a conversation that began elsewhere. `withCatalogue`
    /// sends the tool catalogue (once per conversation, again when it changes); `noToolsThisTurn` tells
    /// a conversation that knows a catalogue that none may be called now.
    func request(for turn: TurnRequest, seeded: Bool, withCatalogue: Bool, noToolsThisTurn: Bool = false) -> GraphChatRequest {
        var context: [GraphChatRequest.ContextEntry] = []
        if let tools = turn.tools {
            if withCatalogue { context.append(.init(text: Self.catalogue(tools), description: "tools")) }
            context.append(.init(text: Self.choice(tools), description: "tool choice for this message"))
        } else if noToolsThisTurn {
            context.append(.init(text: Self.noToolsThisMessage, description: "tool choice for this message"))
        }
        if let instruction = Self.jsonInstruction(turn.responseFormat) {
            context.append(.init(text: instruction, description: "answer format"))
        }
        if seeded {
            if let instructions = turn.instructions {
                let kept = Self.limited(instructions, to: Self.instructionsLimit)
                context.append(.init(text: "Instructions for this conversation (follow them):\n\(kept)", description: "system prompt"))
            }
            if let transcript = Self.seedingTranscript(turn.historyLines, limit: Self.transcriptLimit) {
                context.append(.init(text: transcript, description: "earlier turns of this conversation"))
            }
        }
        for reminder in turn.reminders {
            context.append(.init(text: reminder, description: "context for this message"))
        }
        if turn.wantsImage {
            context.append(.init(text: Self.imageRequestNote, description: "note from the gateway"))
        }
        return GraphChatRequest(text: turn.prompt, timeZone: timeZone, webEnabled: turn.webSearch ?? webEnabled, additionalContext: context)
    }

    /// A second message in the same conversation, when the reply lacked the required form.
    func followUp(_ instruction: String) -> GraphChatRequest {
        GraphChatRequest(text: instruction, timeZone: timeZone, webEnabled: webEnabled, additionalContext: [])
    }

    // MARK: The message

    /// The message Copilot is asked: the new turn's user text and tool results (each in a
    /// `<tool_result>` block naming its call), with reminder blocks taken out and returned apart.
    /// `history` names the tools whose results come back by id only.
    static func message(newTurn: [TurnEntry], history: [TurnEntry]) -> (text: String, reminders: [String]) {
        var toolNames: [String: String] = [:]
        for case .assistant(_, let calls) in history + newTurn {
            for call in calls {
                if let id = call.id, let name = call.name { toolNames[id] = name }
            }
        }
        var reminders: [String] = []
        var parts: [String] = []
        for entry in newTurn {
            let (cleaned, found) = SystemReminders.extract(from: Transcript.text(of: entry.content))
            reminders += found
            switch entry {
            case .toolResult(let callID, let name, _):
                let id = callID ?? ""
                parts.append("<tool_result name=\"\(name ?? toolNames[id] ?? "tool")\" id=\"\(id)\">\n\(cleaned)\n</tool_result>")
            default:
                if !cleaned.isEmpty { parts.append(cleaned) }
            }
        }
        return (parts.joined(separator: "\n\n"), reminders)
    }

    /// A tool result the client marked as an error.
    static func failedToolResult(_ text: String) -> String {
        "(The tool reported an error.)\n\(text)"
    }

    static let imageAttachmentNote = "(An image was attached here; images cannot be passed on to Copilot.)"
    static let audioAttachmentNote = "(An audio clip was attached here; audio cannot be passed on to Copilot.)"
    static let documentAttachmentNote = "(A document was attached here; documents cannot be passed on to Copilot.)"

    /// The note added to a turn that asks for a picture (see `ImageRequest`).
    static let imageRequestNote = """
        The user is asking for a picture. Copilot Chat cannot create or show images here, so do not \
        claim to make one. Instead, in the user's language, describe the picture in detail (subject, \
        composition, style, colours, lighting) and then give a ready-to-use prompt for an image \
        generator in a code block.
        """

    // MARK: Seeding a new conversation

    static func limited(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "\n(The rest was cut: it was too long.)"
    }

    /// The earlier turns as text, newest kept when over `limit` characters.
    static func seedingTranscript(_ entries: [Transcript.Line], limit: Int) -> String? {
        guard !entries.isEmpty else { return nil }
        var lines: [String] = []
        var length = 0
        for entry in entries.reversed() {
            let speaker = switch entry.speaker {
            case .assistant: "Assistant"
            case .tool: "Tool result"
            case .user: "User"
            }
            let line = "\(speaker): \(entry.text)"
            if length + line.count > limit { break }
            lines.append(line)
            length += line.count + 1
        }
        let omitted = entries.count - lines.count
        let header = omitted > 0 ? "Conversation so far (\(omitted) older messages omitted):" : "Conversation so far:"
        return ([header] + lines.reversed()).joined(separator: "\n")
    }

    // MARK: Tools

    static let catalogueHeader = "TOOLS AVAILABLE IN THIS CONVERSATION"
    static let noToolsThisMessage = "TOOLS: NONE FOR THIS MESSAGE"

    /// The catalogue: the call format, then each tool with its parameters.
    static func catalogue(_ tools: ToolCatalogue) -> String {
        var lines = [
            catalogueHeader,
            "You can call the tools below. To call one, answer with only this, and nothing else:",
            #"<tool_call>{"name": "<tool name>", "arguments": {<arguments as a JSON object>}}</tool_call>"#,
            "For several calls, write one <tool_call> block per call. Use only these tool names and give every required argument.",
            "When no tool is needed, answer normally in plain text. A tool's result comes back as <tool_result name=\"…\" id=\"…\">…</tool_result>.",
            "Tools:",
        ]
        for tool in tools.tools {
            lines.append("### \(tool.name)")
            if !tool.description.isEmpty { lines.append(tool.description) }
            lines.append("Parameters (JSON schema): \(tool.parameters.compactText)")
        }
        return lines.joined(separator: "\n")
    }

    /// A tool whose input is free text (a Responses API `custom` tool) offered as a function of one
    /// string argument, `input`: the parameters, with the grammar the text must follow when there is one.
    static func freeTextParameters(grammar: (syntax: String, definition: String)?) -> JSONValue {
        var description = "The tool's whole input, as free text."
        if let grammar {
            description += " It must follow this \(grammar.syntax) grammar:\n\(grammar.definition)"
        }
        return .object([
            "type": .string("object"),
            "properties": .object(["input": .object(["type": .string("string"), "description": .string(description)])]),
            "required": .array([.string("input")]),
        ])
    }

    /// Changes when the catalogue's text changes, so that it is sent again.
    static func catalogueDigest(_ tools: ToolCatalogue) -> String {
        SHA256.hash(data: Data(catalogue(tools).utf8)).prefix(16).lowercaseHex
    }

    /// The per-turn instruction about `tool_choice`.
    static func choice(_ tools: ToolCatalogue) -> String {
        switch tools.choice {
        case .none: noToolsThisMessage
        case .auto: "TOOL CHOICE: auto" + (tools.allowsParallelCalls ? "" : " (at most one call)")
        case .required: "TOOL CHOICE: required (answer with a <tool_call> block)"
        case .named(let name): "TOOL CHOICE: \(name) (answer with a <tool_call> block calling \(name))"
        }
    }

    // MARK: Answer form

    /// The instruction that asks Copilot for JSON.
    static func jsonInstruction(_ format: ResponseFormat) -> String? {
        switch format {
        case .text: nil
        case .jsonObject: "JSON MODE: answer with one JSON object only (no code fence, no text before or after it)."
        case .jsonSchema(let schema):
            "JSON MODE: answer with one JSON object only (no code fence, no text before or after it).\n"
                + (schema.map { "JSON SCHEMA: \($0.compactText)" } ?? "")
        }
    }

    /// Asks again, in the same conversation, for the form the turn demands.
    static func correction(_ need: ReplyReading.Correction, format: ResponseFormat) -> String {
        switch need {
        case .unusableCall(let tool, let missing):
            let which = tool.map { "calling \($0)" } ?? "calling one of the offered tools by its exact name"
            let lacking = missing.isEmpty ? "" : " It lacked the required argument(s) \(missing.joined(separator: ", "))."
            return "GATEWAY CORRECTION: Your tool call could not be used.\(lacking) Answer again with only a <tool_call> block \(which), with every required argument, and nothing else."
        case .callRequired(let name):
            let which = name.map { "calling \($0)" } ?? "calling one of the tools"
            return "GATEWAY CORRECTION: Answer again with only a <tool_call> block \(which), with every required argument, and nothing else."
        case .jsonRequired:
            return "GATEWAY CORRECTION: Answer again with only one JSON object, no code fence and no other text.\n" + (jsonInstruction(format) ?? "")
        }
    }
}
