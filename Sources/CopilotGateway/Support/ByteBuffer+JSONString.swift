import NIOCore

extension ByteBuffer {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, everything else
    /// (slashes and non-ASCII included) as UTF-8, as `GatewayJSON` writes it.
    mutating func writeJSONString(_ text: String) {
        self.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { self.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index]))) }
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): self.writeStaticString(#"\""#)
                case UInt8(ascii: "\\"): self.writeStaticString(#"\\"#)
                case UInt8(ascii: "\n"): self.writeStaticString(#"\n"#)
                case UInt8(ascii: "\r"): self.writeStaticString(#"\r"#)
                case UInt8(ascii: "\t"): self.writeStaticString(#"\t"#)
                case 0x08: self.writeStaticString(#"\b"#)
                case 0x0C: self.writeStaticString(#"\f"#)
                default:
                    self.writeStaticString(#"\u00"#)
                    self.writeInteger(Self.hexDigits[Int(byte >> 4)])
                    self.writeInteger(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            if start < bytes.count { self.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...]))) }
        }
        self.writeInteger(UInt8(ascii: "\""))
    }
}
