import Foundation

/// A tool call made by the simulated model.
public struct SimulatedToolCall: Sendable, Equatable {
    /// The tool's name.
    public var name: String
    /// The arguments (a JSON object).
    public var arguments: SimulatorJSON

    /// Creates a call.
    public init(name: String, arguments: SimulatorJSON = .object([])) {
        self.name = name
        self.arguments = arguments
    }

    /// `{"name": "…", "arguments": {…}}`.
    public var json: String {
        SimulatedModel.spacedText(.object([("name", .string(name)), ("arguments", arguments)]))
    }

    /// The call as the gateway asks for it: `<tool_call>{"name": "…", "arguments": {…}}</tool_call>`.
    public var text: String { "<tool_call>" + json + "</tool_call>" }
}

/// The simulated model: the reply rules of ``SimulatedReplies`` plus the gateway's tool and JSON protocol.
/// Pure functions, so tests can predict every reply.
///
/// Rules, in order:
/// 1. A prompt with `<tool_result name="T" id="…">…</tool_result>` blocks → `The T tool returned: <content>`,
///    one sentence per result, joined with a space.
/// 2. Tools offered (a catalogue known, the turn not `TOOLS: NONE FOR THIS MESSAGE`): `call T` / `use T`
///    (optionally followed by a JSON object of arguments) → one `<tool_call>` block per phrase;
///    `TOOL CHOICE: T` → a call to T; `TOOL CHOICE: required` → a call to the first tool unless the prompt asks for others.
/// 3. JSON mode → `{"answer": "<first sentence of the plain reply>"}` plus the schema's required keys.
/// 4. Otherwise the plain rules: ``REPLY `X` ONLY``, codeword, default reply.
public enum SimulatedModel {
    /// The reply to one turn.
    /// - Parameters:
    ///   - prompt: The current `message.text`.
    ///   - context: The current turn's `additionalContext` texts.
    ///   - history: Every earlier text of the conversation (prompts and context texts), oldest first.
    ///   - messy: Whether calls and JSON answers come wrapped in prose, a code fence and a trailing comma.
    public static func reply(
        to prompt: String, context: [String] = [], history: [String] = [], messy: Bool = false
    ) -> SimulatedReply {
        reply(to: prompt, context: context, history: history, contextCount: context.count, messy: messy)
    }

    static func reply(
        to prompt: String, context: [String], history: [String], contextCount: Int, messy: Bool
    ) -> SimulatedReply {
        let turn = SimulatedTurnReading(prompt: prompt, context: context, history: history)
        if !turn.results.isEmpty {
            let sentences = turn.results.map { "The \($0.name) tool returned: \($0.content)" }
            return SimulatedReply(text: sentences.joined(separator: " "))
        }
        let calls = toolCalls(for: turn)
        if !calls.isEmpty {
            return SimulatedReply(text: messy ? MessyOutput.calls(calls) : calls.map(\.text).joined(separator: "\n"))
        }
        let searched = history + context + [prompt]
        if turn.jsonMode {
            let sentence = SimulatedReplies.oneSentenceReply(to: turn.userText, searching: searched)
            let object = jsonAnswer(sentence: sentence, schema: turn.jsonSchema)
            return SimulatedReply(text: messy ? MessyOutput.json(object) : spacedText(object))
        }
        return SimulatedReplies.plainReply(to: turn.userText, searching: searched, contextCount: contextCount)
    }

    /// The calls the turn makes: none unless tools are offered; see rule 2.
    static func toolCalls(for turn: SimulatedTurnReading) -> [SimulatedToolCall] {
        let catalogue = turn.catalogue ?? SimulatedToolCatalogue(tools: [])
        var calls: [SimulatedToolCall]
        switch turn.choice {
        case .none:
            return []
        case .auto:
            calls = requestedCalls(in: turn.userText, catalogue: catalogue)
        case .required:
            calls = requestedCalls(in: turn.userText, catalogue: catalogue)
            if calls.isEmpty, let first = catalogue.tools.first {
                calls = [SimulatedToolCall(name: first.name, arguments: placeholderArguments(for: first.parameters))]
            }
        case .named(let requested):
            let tool = catalogue.tool(named: requested)
            let name = tool?.name ?? requested
            calls = requestedCalls(in: turn.userText, catalogue: catalogue).filter { $0.name == name }
            if calls.isEmpty {
                calls = [
                    SimulatedToolCall(name: name, arguments: placeholderArguments(for: tool?.parameters ?? .object([])))
                ]
            }
        }
        return turn.singleCall ? Array(calls.prefix(1)) : calls
    }

    /// One call per `call T` / `use T` phrase naming a catalogue tool, in order; a JSON object right after
    /// the name (optionally after `with` or `:`) gives the arguments, else ``placeholderArguments(for:)``.
    static func requestedCalls(in text: String, catalogue: SimulatedToolCatalogue) -> [SimulatedToolCall] {
        let pattern = /\b(?:call|use)\s+[`'"]?([A-Za-z0-9_\-]+)[`'"]?/.ignoresCase()
        var calls: [SimulatedToolCall] = []
        for match in text.matches(of: pattern) {
            guard let tool = catalogue.tool(named: String(match.output.1)) else { continue }
            let arguments = explicitArguments(after: match.range.upperBound, in: text)
            calls.append(
                SimulatedToolCall(name: tool.name, arguments: arguments ?? placeholderArguments(for: tool.parameters)))
        }
        return calls
    }

    /// The JSON object starting at `index` (after blanks, an optional `with` and an optional `:`).
    static func explicitArguments(after index: String.Index, in text: String) -> SimulatorJSON? {
        var rest = text[index...].drop { $0.isWhitespace }
        if rest.lowercased().hasPrefix("with ") { rest = rest.dropFirst(5).drop { $0.isWhitespace } }
        if rest.hasPrefix(":") { rest = rest.dropFirst().drop { $0.isWhitespace } }
        guard rest.hasPrefix("{"), let object = balancedObject(at: rest) else { return nil }
        guard let value = SimulatorJSON.parse(String(object)), case .object = value else { return nil }
        return value
    }

    /// The `{…}` at the start of `text`, braces inside strings ignored; nil when it never closes.
    static func balancedObject(at text: Substring) -> Substring? {
        var depth = 0
        var inString = false
        var escaped = false
        for index in text.indices {
            let character = text[index]
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": depth += 1
            case "}":
                depth -= 1
                if depth == 0 { return text[...index] }
            default: break
            }
        }
        return nil
    }

    /// An object with every `required` key of `schema`, each with a placeholder value (see ``placeholder(for:)``).
    public static func placeholderArguments(for schema: SimulatorJSON) -> SimulatorJSON {
        .object(requiredKeys(of: schema).map { ($0, placeholder(for: schema["properties"]?[$0])) })
    }

    /// The placeholder for a property schema: its first `enum` value, its `const`, else by `type`:
    /// string "example", integer 1, number 1.5, boolean true, array [], object {}, null null
    /// (the first non-null type of a type list; "example" when the type is missing or unknown).
    public static func placeholder(for property: SimulatorJSON?) -> SimulatorJSON {
        if let first = property?["enum"]?.arrayValue?.first { return first }
        if let constant = property?["const"] { return constant }
        switch schemaType(of: property) {
        case "integer": return 1
        case "number": return .number(1.5)
        case "boolean": return true
        case "array": return []
        case "object": return .object([])
        case "null": return .null
        default: return "example"
        }
    }

    /// The JSON-mode answer: `answer` with `sentence`, then every required key of `schema`.
    /// `answer` is left out when the schema forbids extra properties and does not list it.
    static func jsonAnswer(sentence: String, schema: SimulatorJSON?) -> SimulatorJSON {
        let properties = schema?["properties"]
        let closed = schema?["additionalProperties"] == .bool(false)
        var members: [(String, SimulatorJSON)] = []
        if !closed || properties?["answer"] != nil { members.append(("answer", .string(sentence))) }
        for key in schema.map(requiredKeys) ?? [] {
            let property = properties?[key]
            let freeString = property?["enum"] == nil && property?["const"] == nil
                && ["string", nil].contains(schemaType(of: property))
            if let index = members.firstIndex(where: { $0.0 == key }) {
                if !freeString { members[index].1 = placeholder(for: property) }
            } else {
                members.append((key, placeholder(for: property)))
            }
        }
        return .object(members)
    }

    /// `required`, without duplicates, in order.
    static func requiredKeys(of schema: SimulatorJSON) -> [String] {
        var keys: [String] = []
        for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !keys.contains(key) {
            keys.append(key)
        }
        return keys
    }

    /// A property's `type` (the first non-null one of a list).
    static func schemaType(of property: SimulatorJSON?) -> String? {
        guard let type = property?["type"] else { return nil }
        if let name = type.stringValue { return name }
        let names = type.arrayValue?.compactMap(\.stringValue) ?? []
        return names.first { $0 != "null" } ?? names.first
    }

    /// JSON on one line with a space after each `:` and `,`: `{"name": "x", "arguments": {"a": 1}}`.
    public static func spacedText(_ value: SimulatorJSON) -> String {
        switch value {
        case .array(let values):
            "[" + values.map(spacedText).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.map { SimulatorJSON.string($0.0).compactText + ": " + spacedText($0.1) }
                .joined(separator: ", ") + "}"
        default:
            value.compactText
        }
    }
}
