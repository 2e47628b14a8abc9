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
        Self.appendJSONString(id, to: &head)
        head.writeString(#","object":"chat.completion.chunk","created":"#)
        head.writeString(String(created))
        head.writeString(#","model":"#)
        Self.appendJSONString(model, to: &head)
        head.writeString(#","choices":[{"index":0,"delta":{"content":"#)
        self.head = Array(head.readableBytesView)
    }

    /// `data: {…"delta":{"content":"<text>"}…}\n\n`
    func event(content text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(head.count + text.utf8.count + 32 + Self.tail.count)
        buffer.writeBytes(head)
        Self.appendJSONString(text, to: &buffer)
        buffer.writeBytes(Self.tail)
        return buffer
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, everything else
    /// (slashes and non-ASCII included) as UTF-8, as `GatewayJSON` writes it.
    static func appendJSONString(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index]))) }
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString(#"\""#)
                case UInt8(ascii: "\\"): buffer.writeStaticString(#"\\"#)
                case UInt8(ascii: "\n"): buffer.writeStaticString(#"\n"#)
                case UInt8(ascii: "\r"): buffer.writeStaticString(#"\r"#)
                case UInt8(ascii: "\t"): buffer.writeStaticString(#"\t"#)
                case 0x08: buffer.writeStaticString(#"\b"#)
                case 0x0C: buffer.writeStaticString(#"\f"#)
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString(#"\u00"#)
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0xF)])
                }
            }
            if start < bytes.count { buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...]))) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
