import NIOCore

/// Writes the stream's text chunks, by far its most frequent event, without a `JSONEncoder`: the
/// fixed part (id, created, model) is escaped once per stream, and each delta's text is escaped
/// straight into the event's buffer. The other chunks (role, tool calls, finish, usage) are rare and
/// stay `Encodable`.
struct ContentChunkWriter: Sendable {
    private let head: [UInt8]
    private static let tail = Array(#"},"finish_reason":null}]}"#.utf8) + [UInt8(ascii: "\n"), UInt8(ascii: "\n")]

    init(id: String, created: Int, model: String) {
        var head = ByteBuffer(string: #"data: {"id":"#)
        head.writeJSONString(id)
        head.writeString(#","object":"chat.completion.chunk","created":"#)
        head.writeString(String(created))
        head.writeString(#","model":"#)
        head.writeJSONString(model)
        head.writeString(#","choices":[{"index":0,"delta":{"content":"#)
        self.head = Array(head.readableBytesView)
    }

    /// `data: {…"delta":{"content":"<text>"}…}\n\n`
    func event(content text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.count + text.utf8.count + 32 + Self.tail.count)
        buffer.writeBytes(head)
        buffer.writeJSONString(text)
        buffer.writeBytes(Self.tail)
        return buffer
    }
}
