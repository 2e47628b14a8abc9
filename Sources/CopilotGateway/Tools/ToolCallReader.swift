import Foundation

/// Reads Copilot's reply when tools were offered: a call in the gateway's format (or close to it),
/// or an ordinary answer.
///
/// Tolerated: `<tool_call>` blocks with prose around them, a call written as JSON in a code fence,
/// single quotes, trailing commas. Never a call: plain prose, a name that was not offered, arguments
/// that are not an object or miss a required key.
enum ToolCallReader {
    /// The calls in `text`, with the prose before the first one; nil when it makes none.
    static func read(_ text: String, catalogue: ToolCatalogue) -> (calls: [CopilotToolCall], leadingText: String)? {
        var calls: [CopilotToolCall] = []
        var firstStart: String.Index?
        for block in taggedBlocks(in: text) {
            for (value, _) in LenientJSON.objects(in: String(text[block.inner])) {
                if let call = call(from: value, catalogue: catalogue) {
                    calls.append(call)
                    firstStart = firstStart ?? block.start
                    break
                }
            }
        }
        if calls.isEmpty {
            // A call written as JSON: in a code fence, or the whole reply.
            let trimmed = text.trimmingWhitespace
            let candidates = fencedBlocks(in: text) + (trimmed.hasPrefix("{") ? [text.startIndex..<text.endIndex] : [])
            for range in candidates {
                for (value, _) in LenientJSON.objects(in: String(text[range])) {
                    guard let call = call(from: value, catalogue: catalogue, requireArguments: true) else { continue }
                    calls.append(call)
                    firstStart = firstStart ?? fenceStart(in: text, before: range.lowerBound)
                }
                if !calls.isEmpty { break }
            }
        }
        guard !calls.isEmpty, let start = firstStart else { return nil }
        if !catalogue.allowsParallelCalls { calls = Array(calls.prefix(1)) }
        return (calls, String(text[..<start]).trimmingWhitespace)
    }

    /// `{"name": …, "arguments": {…}}` (also `parameters`, a JSON string of arguments, or a `function` wrapper).
    static func call(from value: JSONValue, catalogue: ToolCatalogue, requireArguments: Bool = false) -> CopilotToolCall? {
        let object = value["function"]?.objectValue.map(JSONValue.object) ?? value
        guard let name = object["name"]?.stringValue, catalogue.callableNames.contains(name), let tool = catalogue.tool(named: name) else {
            return nil
        }
        var arguments = object["arguments"] ?? object["parameters"]
        if requireArguments && arguments == nil { return nil }
        if case .string(let encoded)? = arguments { arguments = LenientJSON.parse(Substring(encoded)) }
        let argumentObject = arguments ?? .object([:])
        guard let fields = argumentObject.objectValue else { return nil }
        guard tool.parameters.requiredKeys.allSatisfy({ fields[$0] != nil }) else { return nil }
        return CopilotToolCall(id: newID(), name: name, arguments: argumentObject.compactText)
    }

    static func newID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return "call_" + String((0..<24).map { _ in alphabet.randomElement() ?? "x" })
    }

    /// `<tool_call>…</tool_call>` blocks; a last block may lack its closing tag.
    static func taggedBlocks(in text: String) -> [(start: String.Index, inner: Range<String.Index>)] {
        var blocks: [(String.Index, Range<String.Index>)] = []
        var index = text.startIndex
        while let open = text.range(of: "<tool_call>", options: .caseInsensitive, range: index..<text.endIndex) {
            let close = text.range(of: "</tool_call>", options: .caseInsensitive, range: open.upperBound..<text.endIndex)
            blocks.append((open.lowerBound, open.upperBound..<(close?.lowerBound ?? text.endIndex)))
            index = close?.upperBound ?? text.endIndex
        }
        return blocks
    }

    /// The contents of ``` fences.
    static func fencedBlocks(in text: String) -> [Range<String.Index>] {
        var blocks: [Range<String.Index>] = []
        var index = text.startIndex
        while let open = text.range(of: "```", range: index..<text.endIndex) {
            let bodyStart = text[open.upperBound...].firstIndex(of: "\n").map { text.index(after: $0) } ?? open.upperBound
            guard let close = text.range(of: "```", range: bodyStart..<text.endIndex) else { break }
            blocks.append(bodyStart..<close.lowerBound)
            index = close.upperBound
        }
        return blocks
    }

    static func fenceStart(in text: String, before index: String.Index) -> String.Index {
        text.range(of: "```", options: .backwards, range: text.startIndex..<index)?.lowerBound ?? index
    }

    /// The part of a streaming reply that cannot become a call any more, so it can be sent now: text
    /// up to a `<tool_call` tag (or what may be the start of one), an unfinished code fence, or a fence
    /// that may hold a call written as JSON. A reply that starts with `{` is held whole.
    ///
    /// It runs on every read of a streamed reply when tools are offered, so it reads bytes (all it looks
    /// for is ASCII) in a few linear passes rather than Characters through Foundation.
    static func textBeforePossibleCall(_ text: String) -> String {
        if text.unicodeScalars.first(where: { !$0.isWhitespace }) == "{" { return "" }
        var copy = text
        let cut = copy.withUTF8 { PossibleCallScan(bytes: $0).safeLength() }
        return cut == text.utf8.count ? text : String(decoding: text.utf8.prefix(cut), as: UTF8.self)
    }

    /// When a reply tried to call a tool but the call cannot be used: the tool it named (if it is
    /// offered) and the required arguments it left out.
    static func failedAttempt(in text: String, catalogue: ToolCatalogue) -> (tool: String?, missing: [String])? {
        let blocks = taggedBlocks(in: text)
        guard !blocks.isEmpty else { return nil }
        for block in blocks {
            for (value, _) in LenientJSON.objects(in: String(text[block.inner])) {
                let object = value["function"]?.objectValue.map(JSONValue.object) ?? value
                guard let name = object["name"]?.stringValue, let tool = catalogue.tool(named: name) else { continue }
                var arguments = object["arguments"] ?? object["parameters"]
                if case .string(let encoded)? = arguments { arguments = LenientJSON.parse(Substring(encoded)) }
                let fields = arguments?.objectValue ?? [:]
                return (name, tool.parameters.requiredKeys.filter { fields[$0] == nil })
            }
        }
        return (nil, [])
    }

    /// The reply without any `<tool_call>` blocks.
    static func withoutCallBlocks(_ text: String) -> String {
        var result = text
        for block in taggedBlocks(in: text).reversed() {
            let end = text.range(of: "</tool_call>", options: .caseInsensitive, range: block.inner.upperBound..<text.endIndex)?.upperBound ?? text.endIndex
            result.removeSubrange(block.start..<end)
        }
        return result.trimmingWhitespace
    }

    /// The JSON object a JSON-mode reply holds, compact, if it has the schema's required keys.
    static func readJSON(_ text: String, schema: JSONValue?) -> String? {
        let required = schema?.requiredKeys ?? []
        for (value, _) in LenientJSON.objects(in: text) {
            guard let fields = value.objectValue, required.allSatisfy({ fields[$0] != nil }) else { continue }
            return value.compactText
        }
        return nil
    }
}
