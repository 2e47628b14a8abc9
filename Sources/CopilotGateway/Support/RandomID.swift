/// Random identifiers without Foundation's `UUID()`, which opens and reads `/dev/urandom` on each call.
enum RandomID {
    /// 128 random bits as 32 lowercase hexadecimal digits: the part after `chatcmpl-`, `msg_` or `resp_`.
    static func hex() -> String {
        withRandomBytes { $0.lowercaseHex }
    }

    /// A random (version 4) UUID in lowercase, as Graph's `client-request-id` takes it.
    static func uuid() -> String {
        withRandomBytes { bytes in
            var bytes = Array(bytes)
            bytes[6] = bytes[6] & 0x0F | 0x40
            bytes[8] = bytes[8] & 0x3F | 0x80
            let hex = Array(bytes.lowercaseHex.utf8)
            var text: [UInt8] = []
            text.reserveCapacity(36)
            for (index, digit) in hex.enumerated() {
                if index == 8 || index == 12 || index == 16 || index == 20 { text.append(UInt8(ascii: "-")) }
                text.append(digit)
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    private static func withRandomBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        var generator = SystemRandomNumberGenerator()
        let value: (UInt64, UInt64) = (generator.next(), generator.next())
        return withUnsafeBytes(of: value, body)
    }
}
