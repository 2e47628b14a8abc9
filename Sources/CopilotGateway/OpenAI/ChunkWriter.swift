import NIOCore

/// Writes a stream's `chat.completion.chunk` events without a `JSONEncoder`: the fixed part (id,
/// created, model) is escaped once per stream, and each delta's text is escaped straight into the
/// event's buffer. Text chunks are by far a stream's most frequent event; the role, finish and usage
/// chunks come once each but sit on the way to the first token and to the end. Tool-call pieces are
/// rare and stay `Encodable`. Each event says what `ChatCompletionChunk` says (`ChunkWriterTests`).
struct ChunkWriter: Sendable {
    /// `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[`
    private let head: [UInt8]
    private static let contentOpening = Array(#"{"index":0,"delta":{"content":"#.utf8)
    private static let deltaEnd = Array(#"},"finish_reason":null}]}"#.utf8) + Self.eventEnd
    private static let eventEnd: [UInt8] = [UInt8(ascii: "\n"), UInt8(ascii: "\n")]

    init(id: String, created: Int, model: String) {
        var head = ByteBuffer(string: #"data: {"id":"#)
        head.writeJSONString(id)
        head.writeString(#","object":"chat.completion.chunk","created":"#)
        head.writeString(String(created))
        head.writeString(#","model":"#)
        head.writeJSONString(model)
        head.writeString(#","choices":["#)
        self.head = Array(head.readableBytesView)
    }

    /// `data: {…"delta":{"role":"assistant","content":""}…}\n\n`, the stream's first event.
    func opening() -> ByteBuffer {
        event(#"{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#)
    }

    /// `data: {…"delta":{"content":"<text>"}…}\n\n`
    func event(content text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.count + Self.contentOpening.count + text.utf8.count + 32 + Self.deltaEnd.count)
        buffer.writeBytes(head)
        buffer.writeBytes(Self.contentOpening)
        buffer.writeJSONString(text)
        buffer.writeBytes(Self.deltaEnd)
        return buffer
    }

    /// `data: {…"delta":{},"finish_reason":"<reason>"}…}\n\n`
    func finish(reason: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.count + 64)
        buffer.writeBytes(head)
        buffer.writeString(#"{"index":0,"delta":{},"finish_reason":"#)
        buffer.writeJSONString(reason)
        buffer.writeString("}]}")
        buffer.writeBytes(Self.eventEnd)
        return buffer
    }

    /// `data: {…"choices":[],"usage":{…}}\n\n`, sent last when the client asked for usage.
    func usage(_ usage: CompletionUsage) -> ByteBuffer {
        event(
            #"],"usage":{"prompt_tokens":\#(usage.promptTokens),"completion_tokens":\#(usage.completionTokens),"#
                + #""total_tokens":\#(usage.totalTokens)}}"#)
    }

    private func event(_ rest: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.count + rest.utf8.count + 2)
        buffer.writeBytes(head)
        buffer.writeString(rest)
        buffer.writeBytes(Self.eventEnd)
        return buffer
    }
}
