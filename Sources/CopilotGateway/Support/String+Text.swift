// Small text helpers for the request path, written to avoid Foundation's slower bridges.

import Foundation

extension StringProtocol {
    /// The text without leading and trailing Unicode whitespace (newlines included); the same as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` without a trip through `NSString`.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        // Scalar indices are string indices: the slice is copied whole, not scalar by scalar.
        return String(self[first..<scalars.index(after: last)])
    }
}

extension Unicode.Scalar {
    /// Unicode's White_Space property, with ASCII answered without a property lookup (which is slow).
    var isWhitespace: Bool {
        value < 0x80 ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace
    }
}

extension Sequence<UInt8> {
    /// The bytes as lowercase hexadecimal, two digits each (a digest's usual spelling).
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

extension String {
    /// Whether the text's UTF-8 bytes begin with all of `prefix`'s: a byte comparison in one pass, not
    /// `hasPrefix`'s Character by Character one.
    func startsWithBytes(of prefix: String) -> Bool {
        let count = prefix.utf8.count
        guard count > 0 else { return true }
        guard utf8.count >= count else { return false }
        var text = self
        var prefix = prefix
        return text.withUTF8 { textBytes in
            prefix.withUTF8 { prefixBytes in
                guard let textStart = textBytes.baseAddress, let prefixStart = prefixBytes.baseAddress else { return false }
                return memcmp(textStart, prefixStart, count) == 0
            }
        }
    }

    /// The text after its first `offset` UTF-8 bytes, which end on a scalar boundary.
    func dropping(utf8Count offset: Int) -> String {
        String(decoding: utf8.dropFirst(offset), as: UTF8.self)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether `part` occurs in these bytes: `memchr` to each candidate first byte, then `memcmp`.
    func containsBytes(_ part: [UInt8]) -> Bool {
        guard let first = part.first, let base = baseAddress, part.count <= count else { return part.isEmpty }
        return part.withUnsafeBufferPointer { needle in
            guard let needleStart = needle.baseAddress else { return false }
            var offset = 0
            while offset + part.count <= count {
                guard let found = memchr(base + offset, Int32(first), count - offset - part.count + 1) else { return false }
                let position = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + position, needleStart, part.count) == 0 { return true }
                offset = position + 1
            }
            return false
        }
    }
}
