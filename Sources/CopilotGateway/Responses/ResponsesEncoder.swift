import Foundation
import NIOCore

/// The Responses dialect's encoder: a reply as one `response` object, or its events as the Responses
/// API streams them, each with its `event:` line and a `sequence_number`:
/// `response.created`, `response.in_progress`; for text `response.output_item.added`,
/// `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
/// `response.content_part.done`, `response.output_item.done`; for a call `response.output_item.added`,
/// `response.function_call_arguments.delta`… and `.done` (a custom tool's input as
/// `response.custom_tool_call_input.delta` and `.done`), `response.output_item.done`; then
/// `response.completed` (`incomplete` when Copilot declined). A failure after the start is
/// `response.failed`.
struct ResponsesEncoder: ReplyEncoder {
    let id: String
    let createdAt: Int
    let model: String
    /// The request's fields the response repeats.
    let echoed: [String: JSONValue]
    /// Calls of these tools carry free text (`custom_tool_call`), not JSON arguments.
    let customTools: Set<String>
    /// Whether the response is kept: false once keeping it failed or it was too large, which its end
    /// then says (`store: false`).
    var isKept = true
    /// When the response was completed, once it is (the kept body and the answer say the same).
    var completedAt: Int?
    /// The next event's sequence number (`opening` takes 0 and 1).
    var sequence = 2
    /// The finished output items, and the one being written.
    var output: [JSONValue] = []
    var open: OpenItem?

    struct OpenItem {
        var item: [String: JSONValue]
        var text = ""
        var isMessage: Bool { item["type"] == .string("message") }
    }

    init(model: String, echoed: [String: JSONValue], customTools: Set<String>, id: String = "resp_" + RandomID.hex(), createdAt: Int = Int(Date().timeIntervalSince1970)) {
        self.id = id
        self.createdAt = createdAt
        self.model = model
        self.echoed = echoed
        self.customTools = customTools
    }

    /// The id of the response's message item (one per response).
    var messageID: String { "msg_" + id.dropFirst("resp_".count) }

    // MARK: Whole

    /// The whole answer.
    func response(_ reply: TurnReply) -> JSONValue {
        var items: [JSONValue] = []
        if !reply.text.isEmpty {
            items.append(.object(Self.message(id: messageID, text: reply.text, status: "completed")))
        }
        for call in reply.toolCalls {
            items.append(.object(callItem(call.id, name: call.name, arguments: call.arguments, status: "completed")))
        }
        return response(status: reply.finishReason == .contentFilter ? "incomplete" : "completed", output: items, usage: reply.usage)
    }

    func whole(_ reply: TurnReply) throws -> ByteBuffer {
        try ByteBuffer(json: response(reply))
    }

    /// The response object, with the echoed request fields and their defaults.
    func response(status: String, output: [JSONValue], usage: TokenUsage?, error: ClientFailure? = nil) -> JSONValue {
        let finished = status == "completed" || status == "incomplete"
        var object: [String: JSONValue] = [
            "id": .string(id), "object": .string("response"), "created_at": .number(Double(createdAt)), "status": .string(status),
            "completed_at": finished ? .number(Double(completedAt ?? Int(Date().timeIntervalSince1970))) : .null,
            "model": .string(model), "output": .array(output), "error": .null, "incomplete_details": .null,
            "instructions": .null, "tools": .array([]), "tool_choice": .string("auto"), "parallel_tool_calls": .bool(true),
            "text": .object(["format": .object(["type": .string("text")])]), "metadata": .object([:]), "store": .bool(true),
            "temperature": .number(1), "top_p": .number(1), "presence_penalty": .number(0), "frequency_penalty": .number(0),
            "top_logprobs": .number(0), "max_output_tokens": .null, "max_tool_calls": .null, "previous_response_id": .null,
            "truncation": .string("disabled"), "reasoning": .object(["effort": .null, "summary": .null]), "background": .bool(false),
            "service_tier": .string("default"), "safety_identifier": .null, "prompt_cache_key": .null,
            "usage": usage.map(Self.usage) ?? .null,
        ]
        object.merge(echoed) { _, request in request }
        if !isKept { object["store"] = .bool(false) }
        if status == "incomplete" { object["incomplete_details"] = .object(["reason": .string("content_filter")]) }
        if let error { object["error"] = Self.error(error) }
        return .object(object)
    }

    /// A failure as `response.error`, with the codes clients act on: Codex compacts its history on
    /// `context_length_exceeded` and waits as long as a rate-limit message says ("try again in N s").
    static func error(_ failure: ClientFailure) -> JSONValue {
        var message = failure.message
        let code: String
        switch failure.kind {
        case _ where failure.code == "context_length_exceeded": code = "context_length_exceeded"
        case .rateLimit:
            code = "rate_limit_exceeded"
            if let seconds = failure.retryAfter { message += " Please try again in \(seconds)s." }
        case .invalidRequest: code = "invalid_prompt"
        default: code = "server_error"
        }
        return .object(["code": .string(code), "message": .string(message)])
    }

    static func usage(_ usage: TokenUsage) -> JSONValue {
        .object([
            "input_tokens": .number(Double(usage.input)), "input_tokens_details": .object(["cached_tokens": .number(0), "cache_write_tokens": .number(0)]),
            "output_tokens": .number(Double(usage.output)), "output_tokens_details": .object(["reasoning_tokens": .number(0)]),
            "total_tokens": .number(Double(usage.input + usage.output)),
        ])
    }

    static func message(id: String, text: String, status: String) -> [String: JSONValue] {
        [
            "type": .string("message"), "id": .string(id), "status": .string(status), "role": .string("assistant"),
            "content": .array(text.isEmpty && status == "in_progress" ? [] : [outputText(text)]),
        ]
    }

    /// An `output_text` part; once the text is final, Copilot's citations are its `url_citation` annotations.
    static func outputText(_ text: String, final: Bool = true) -> JSONValue {
        let annotations = final ? URLCitations.citations(in: text).map(Self.annotation) : []
        return .object(["type": .string("output_text"), "text": .string(text), "annotations": .array(annotations), "logprobs": .array([])])
    }

    /// A citation as a `url_citation` annotation.
    static func annotation(_ citation: TextCitation) -> JSONValue {
        .object([
            "type": .string("url_citation"), "url": .string(citation.url), "title": .string(citation.title),
            "start_index": .number(Double(citation.start)), "end_index": .number(Double(citation.end)),
        ])
    }

    /// A `function_call` item, or a `custom_tool_call` whose input is the call's `input` argument.
    func callItem(_ callID: String, name: String, arguments: String, status: String) -> [String: JSONValue] {
        var item: [String: JSONValue] = ["call_id": .string(callID), "name": .string(name), "status": .string(status)]
        if customTools.contains(name) {
            item["type"] = .string("custom_tool_call")
            item["id"] = .string("ctc_" + callID)
            item["input"] = .string(Self.freeText(arguments))
        } else {
            item["type"] = .string("function_call")
            item["id"] = .string("fc_" + callID)
            item["arguments"] = .string(arguments)
        }
        return item
    }

    /// A custom tool's free-text input from the arguments object Copilot wrote.
    static func freeText(_ arguments: String) -> String {
        guard let value = try? JSONValue(parsing: arguments) else { return arguments }
        return value["input"]?.stringValue ?? arguments
    }
}
