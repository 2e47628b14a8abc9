import Foundation
import NIOCore

/// The Anthropic Messages dialect's encoder: a reply as one `message`, or its events as Anthropic's
/// server-sent events, each with its `event:` line (Claude Code routes on that name alone):
/// `message_start`, then per content block `content_block_start`, its `content_block_delta`s
/// (`text_delta`, or `input_json_delta` for a tool's input) and `content_block_stop`, then
/// `message_delta` (stop reason, usage) and `message_stop`. Keep-alives are `ping` events; a failure
/// after the stream began is an `error` event.
struct MessagesEncoder: ReplyEncoder {
    let id: String
    let model: String
    /// The input tokens reported (at the start, at the end and in a whole answer): the whole conversation
    /// the client sent, estimated, which is what a client measures its context by. (Copilot is sent
    /// less, as it keeps the conversation on its side.)
    let estimatedInputTokens: Int
    /// The request's id, which a failure's `error` event repeats as `request_id`.
    var requestID: String?
    /// The open content block's index, and whether it is text.
    private var openBlock: (index: Int, isText: Bool)?
    private var nextIndex = 0
    /// The block of each tool call, by the call's index among the reply's calls.
    private var callBlocks: [Int: Int] = [:]

    init(model: String, estimatedInputTokens: Int = 0, id: String = Self.newID()) {
        self.id = id
        self.model = model
        self.estimatedInputTokens = estimatedInputTokens
    }

    static func newID() -> String {
        "msg_" + RandomID.hex()
    }

    /// The gateway's call ids (`call_…`) as Anthropic spells tool-use ids (`toolu_…`).
    static func toolUseID(_ id: String) -> String {
        id.hasPrefix("call_") ? "toolu_" + id.dropFirst(5) : id
    }

    static func stopReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop: "end_turn"
        case .toolCalls: "tool_use"
        case .contentFilter: "refusal"
        }
    }

    // MARK: Whole

    func message(_ reply: TurnReply) -> AnthropicMessage {
        var content: [AnthropicMessage.ContentBlock] = reply.text.isEmpty ? [] : [Self.textBlock(reply.text)]
        for call in reply.toolCalls {
            let input = (try? JSONValue(parsing: call.arguments)) ?? .object([:])
            content.append(.toolUse(id: Self.toolUseID(call.id), name: call.name, input: input))
        }
        return AnthropicMessage(
            id: id, model: model, content: content, stopReason: Self.stopReason(reply.finishReason), usage: usage(reply.usage))
    }

    /// A whole text block: its citations, or null when it has none.
    static func textBlock(_ text: String) -> AnthropicMessage.ContentBlock {
        let citations = URLCitations.citations(in: text)
        return .text(text, citations: citations.isEmpty ? nil : citations)
    }

    func whole(_ reply: TurnReply) throws -> ByteBuffer {
        try ByteBuffer(json: message(reply).json)
    }

    // MARK: Stream

    static let keepAlive = event("ping", #"{"type":"ping"}"#)

    /// `message_start`: the message without content or stop reason.
    func opening() throws -> ByteBuffer {
        let message = AnthropicMessage(
            id: id, model: model, content: [], stopReason: nil, usage: .init(inputTokens: estimatedInputTokens, outputTokens: 1))
        return try ByteBuffer.typedEvent("message_start", ["message": message.json])
    }

    /// One reply event as SSE bytes: the events that open and close content blocks come with it.
    mutating func encode(_ event: ReplyEvent) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        switch event {
        case .textDelta(let text):
            if openBlock?.isText != true {
                try close(into: &buffer)
                try open(.text(""), isText: true, into: &buffer)
            }
            Self.writeTextDelta(text, index: openBlock?.index ?? 0, into: &buffer)
        case .toolCallStarted(let call, let id, let name):
            try close(into: &buffer)
            try open(.toolUse(id: Self.toolUseID(id), name: name, input: .object([:])), isText: false, into: &buffer)
            callBlocks[call] = openBlock?.index
        case .toolCallArguments(let call, let fragment):
            let delta: JSONValue = .object(["type": .string("input_json_delta"), "partial_json": .string(fragment)])
            try write("content_block_delta", ["index": Self.number(callBlocks[call] ?? openBlock?.index ?? 0), "delta": delta], into: &buffer)
        case .finished(let reason, let usage):
            try close(into: &buffer)
            let stopReason = Self.stopReason(reason)
            let delta: JSONValue = .object([
                "stop_reason": .string(stopReason), "stop_sequence": .null, "container": .null,
                "stop_details": AnthropicMessage.stopDetails(stopReason),
            ])
            try write("message_delta", ["delta": delta, "usage": self.usage(usage).json, "context_management": .null], into: &buffer)
            buffer.writeImmutableBuffer(Self.event("message_stop", #"{"type":"message_stop"}"#))
        }
        return buffer
    }

    /// The reply's output tokens beside the conversation's estimated input tokens.
    private func usage(_ usage: TokenUsage) -> AnthropicMessage.Usage {
        AnthropicMessage.Usage(inputTokens: estimatedInputTokens, outputTokens: usage.output)
    }

    /// A failure after the stream began, as its last event.
    func failure(_ failure: ClientFailure) -> ByteBuffer {
        Self.event("error", String(decoding: AnthropicError(failure).answering(requestID).jsonBytes, as: UTF8.self))
    }

    private mutating func open(_ block: AnthropicMessage.ContentBlock, isText: Bool, into buffer: inout ByteBuffer) throws {
        let index = nextIndex
        nextIndex += 1
        openBlock = (index, isText)
        try write("content_block_start", ["index": Self.number(index), "content_block": block.json], into: &buffer)
        // Anthropic sends a ping after the first block begins; clients expect to skip it.
        if index == 0 { buffer.writeImmutableBuffer(Self.keepAlive) }
    }

    private mutating func close(into buffer: inout ByteBuffer) throws {
        guard let block = openBlock else { return }
        openBlock = nil
        try write("content_block_stop", ["index": Self.number(block.index)], into: &buffer)
    }

    private func write(_ name: String, _ fields: [String: JSONValue], into buffer: inout ByteBuffer) throws {
        var event = try ByteBuffer.typedEvent(name, fields)
        buffer.writeBuffer(&event)
    }

    private static func number(_ value: Int) -> JSONValue { .number(Double(value)) }

    /// A `content_block_delta` of text, the stream's most frequent event, written without a
    /// `JSONEncoder` but byte for byte as it would write it (keys sorted).
    static func writeTextDelta(_ text: String, index: Int, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("event: content_block_delta\ndata: {\"delta\":{\"text\":")
        buffer.writeJSONString(text)
        buffer.writeStaticString(#","type":"text_delta"},"index":"#)
        buffer.writeString(String(index))
        buffer.writeStaticString(#","type":"content_block_delta"}"#)
        buffer.writeStaticString("\n\n")
    }

    static func event(_ name: String, _ json: String) -> ByteBuffer {
        ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
    }
}
