import Foundation
import NIOCore

/// The Chat Completions dialect's encoder: a reply as one `chat.completion`, or its events as
/// `chat.completion.chunk` server-sent events.
///
/// A stream is a role chunk, the text deltas and tool-call pieces, one finish chunk, the usage chunk
/// when the client asked for it (`stream_options.include_usage`), and `data: [DONE]`. A failure after
/// the first byte is one `data: {"error":…}` event, and the stream ends.
struct ChatCompletionEncoder: ReplyEncoder {
    let id: String
    let created: Int
    let model: String
    let includeUsage: Bool
    /// Writes the role, text, finish and usage chunks of a stream.
    private let chunks: ChunkWriter

    init(model: String, includeUsage: Bool, id: String = Self.newID(), created: Int = Int(Date().timeIntervalSince1970)) {
        self.id = id
        self.created = created
        self.model = model
        self.includeUsage = includeUsage
        chunks = ChunkWriter(id: id, created: created, model: model)
    }

    static func newID() -> String {
        "chatcmpl-" + RandomID.hex()
    }

    // MARK: Whole

    func whole(_ reply: TurnReply) -> ByteBuffer {
        completion(reply).jsonBody
    }

    func completion(_ reply: TurnReply) -> ChatCompletion {
        let message: ChatCompletion.Message = reply.toolCalls.isEmpty
            ? .init(content: reply.text)
            : .init(content: reply.text.isEmpty ? nil : reply.text, toolCalls: reply.toolCalls.map(ChatCompletion.ToolCallObject.init))
        return ChatCompletion(
            id: id, created: created, model: model, choices: [.init(message: message, finishReason: Self.finishReason(reply.finishReason))],
            usage: CompletionUsage(reply.usage))
    }

    // MARK: Stream

    /// The first event: the assistant's role.
    func opening() -> ByteBuffer {
        chunks.opening()
    }

    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// One reply event as SSE bytes; `.finished` also carries the usage chunk (if asked for) and `[DONE]`.
    mutating func encode(_ event: ReplyEvent) throws -> ByteBuffer {
        switch event {
        case .textDelta(let text):
            return chunks.event(content: text)
        case .toolCallStarted(let index, let id, let name):
            return try chunk(.init(toolCalls: [.init(index: index, id: id, type: "function", function: .init(name: name, arguments: ""))]))
        case .toolCallArguments(let index, let fragment):
            return try chunk(.init(toolCalls: [.init(index: index, function: .init(arguments: fragment))]))
        case .finished(let reason, let usage):
            var ending = chunks.finish(reason: Self.finishReason(reason))
            if includeUsage {
                var event = chunks.usage(CompletionUsage(usage))
                ending.writeBuffer(&event)
            }
            ending.writeString("data: [DONE]\n\n")
            return ending
        }
    }

    /// A failure after the stream began, as its last event.
    func failure(_ failure: ClientFailure) -> ByteBuffer {
        Self.event(OpenAIError(failure).jsonBytes)
    }

    private func chunk(_ delta: ChatCompletionChunk.Delta) throws -> ByteBuffer {
        let value = ChatCompletionChunk(id: id, created: created, model: model, choices: [.init(delta: delta)])
        return Self.event(try GatewayJSON.encoder().encode(value))
    }

    static func event(_ json: some Sequence<UInt8>) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    static func finishReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop: "stop"
        case .toolCalls: "tool_calls"
        case .contentFilter: "content_filter"
        }
    }
}

extension CompletionUsage {
    init(_ usage: TokenUsage) {
        self.init(promptTokens: usage.input, completionTokens: usage.output)
    }
}
