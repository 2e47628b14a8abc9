/// How the simulated model writes calls and JSON answers in messy mode: the way real models do it,
/// with prose around a ```` ```json ```` fence, a trailing comma and (for JSON answers) single quotes
/// around one string value. The prose is picked by the text's hash, so the same input always gives
/// the same mess.
enum MessyOutput {
    static let callOpeners = [
        "Sure! I'll check that for you.", "Okay, let me take care of that.", "Of course! Calling the tool now.",
    ]
    static let callClosers = [
        "Let me know if you need anything else.", "I'll wait for the result.", "Hope this helps!",
    ]
    static let jsonOpeners = ["Here is the JSON you asked for:", "Sure! Here's the object:", "Of course:"]
    static let jsonClosers = [
        "Let me know if you need any changes.", "I hope this is what you wanted.", "Anything else?",
    ]

    /// The calls as objects (one per line) in one fenced block, a trailing comma in each.
    static func calls(_ calls: [SimulatedToolCall]) -> String {
        let body = calls.map(callWithTrailingComma).joined(separator: "\n")
        let tidy = calls.map(\.text).joined(separator: "\n")
        return wrap(body, seed: tidy, openers: callOpeners, closers: callClosers)
    }

    /// The object in a fence, one string value in single quotes and a trailing comma.
    static func json(_ object: SimulatorJSON) -> String {
        wrap(untidyObject(object), seed: SimulatedModel.spacedText(object), openers: jsonOpeners, closers: jsonClosers)
    }

    private static func wrap(_ body: String, seed: String, openers: [String], closers: [String]) -> String {
        let hash = SimulatedReplies.stableHash(seed)
        let opener = openers[Int(hash % UInt64(openers.count))]
        let closer = closers[Int((hash >> 32) % UInt64(closers.count))]
        return opener + "\n```json\n" + body + "\n```\n" + closer
    }

    /// `{"name": "x", "arguments": {"a": 1,}}`, or `{"name": "x", "arguments": {},}` without arguments.
    static func callWithTrailingComma(_ call: SimulatedToolCall) -> String {
        let name = SimulatorJSON.string(call.name).compactText
        if case .object(let members) = call.arguments, !members.isEmpty {
            let arguments = SimulatedModel.spacedText(call.arguments).dropLast() + ",}"
            return "{\"name\": \(name), \"arguments\": \(arguments)}"
        }
        return "{\"name\": \(name), \"arguments\": \(SimulatedModel.spacedText(call.arguments)),}"
    }

    /// The object's members with a trailing comma; the first plain string value (else the first
    /// string value) in single quotes.
    static func untidyObject(_ object: SimulatorJSON) -> String {
        guard case .object(let members) = object, !members.isEmpty else { return SimulatedModel.spacedText(object) }
        let strings = members.indices.filter { members[$0].1.stringValue != nil }
        let plain = strings.first { index in
            members[index].1.stringValue.map { !$0.contains(where: { "'\"\\".contains($0) }) } ?? false
        }
        let quoted = plain ?? strings.first
        let parts = members.indices.map { index in
            let key = SimulatorJSON.string(members[index].0).compactText
            let value =
                if index == quoted, let text = members[index].1.stringValue {
                    singleQuoted(text)
                } else {
                    SimulatedModel.spacedText(members[index].1)
                }
            return key + ": " + value
        }
        return "{" + parts.joined(separator: ", ") + ",}"
    }

    /// `text` as a single-quoted string: `'` escaped, `"` left bare, everything else as in JSON.
    static func singleQuoted(_ text: String) -> String {
        var output = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "'": output += "\\'"
            case "\"": output += "\""
            default: output += SimulatorJSON.string(String(scalar)).compactText.dropFirst().dropLast()
            }
        }
        return output + "'"
    }
}
