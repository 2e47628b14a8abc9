/// Why a request body that failed to decode is not text JSON can hold: bytes that are not UTF-8, or a
/// `\u` escape of half a UTF-16 surrogate pair (which stands for no character). Looked for only after
/// decoding failed, so that the client is told what is wrong instead of "not valid JSON".
struct BodyEncodingProblem: Equatable {
    var message: String

    static func find(in bytes: some Collection<UInt8>) -> BodyEncodingProblem? {
        if let offset = firstInvalidUTF8(in: bytes) {
            return .init(message: "The request body is not valid UTF-8 (the first invalid byte is at offset \(offset)); JSON requests must be UTF-8 text.")
        }
        if let escape = loneSurrogateEscape(in: bytes) {
            return .init(message: "The request body holds the escape `\(escape)`, half of a UTF-16 surrogate pair without its other half, which stands for no character; send the character itself or both halves of the pair.")
        }
        return nil
    }

    /// The byte offset of the first byte that is not part of a well-formed UTF-8 sequence.
    static func firstInvalidUTF8(in bytes: some Collection<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The first `\uD800`–`\uDFFF` escape inside a JSON string that is not a high half directly followed
    /// by an escaped low half.
    static func loneSurrogateEscape(in bytes: some Collection<UInt8>) -> String? {
        let text = Array(bytes)
        var index = 0
        var inString = false
        func hexValue(at start: Int) -> UInt32? {
            guard start + 6 <= text.count, text[start] == UInt8(ascii: "\\"), text[start + 1] == UInt8(ascii: "u") else { return nil }
            return UInt32(String(decoding: text[(start + 2)..<(start + 6)], as: UTF8.self), radix: 16)
        }
        while index < text.count {
            let byte = text[index]
            if !inString {
                if byte == UInt8(ascii: "\"") { inString = true }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = false
                index += 1
            } else if byte == UInt8(ascii: "\\") {
                if let value = hexValue(at: index), (0xD800...0xDFFF).contains(value) {
                    let escape = String(decoding: text[index..<(index + 6)], as: UTF8.self)
                    guard value <= 0xDBFF, let low = hexValue(at: index + 6), (0xDC00...0xDFFF).contains(low) else { return escape }
                    index += 12
                } else {
                    index += 2
                }
            } else {
                index += 1
            }
        }
        return nil
    }
}
