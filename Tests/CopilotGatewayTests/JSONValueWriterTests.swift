import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

/// `ByteBuffer.writeJSON` writes a `JSONValue` by hand; it must be the very bytes `JSONEncoder` writes.
@Suite struct JSONValueWriterTests {
    static let texts = [
        "", "plain", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}",
        "中文，标点。", "emoji 👩‍💻 and combining é", "\u{2028}\u{2029}", "</script> & <b>",
    ]
    /// Keys whose order differs between byte order and the other orders a writer might use: case,
    /// numbers, underscores, CJK, the empty key, and keys that Swift's `<` (which compares canonical
    /// forms) puts elsewhere than their bytes do: `o` with a combining diaeresis (before `z` by bytes,
    /// after it by `<`) and the Ångström sign U+212B (after `é` by bytes, before it by `<`).
    static let keys = [
        "a", "A", "b", "_", "a_b", "aB", "ab", "a1", "a10", "a2", "é", "e", "z", "中", "", "type", "Type", "~", "o\u{308}", "\u{212B}", "ö",
    ]
    static let numbers: [Double] = [0, -0.0, 1, -1, 42, 1e15 - 1, 1e15, -1e15, 1e20, 0.5, -2.25, 1.0 / 3, 123.456, .leastNonzeroMagnitude, 9_007_199_254_740_992, .greatestFiniteMagnitude]

    private static func value(depth: Int, using random: inout SeededGenerator) -> JSONValue {
        let kind = depth >= 4 ? Int.random(in: 0...3, using: &random) : Int.random(in: 0...5, using: &random)
        switch kind {
        case 0: return .null
        case 1: return .bool(random.chance(0.5))
        case 2: return .number(random.pick(numbers))
        case 3: return .string((0..<Int.random(in: 0...3, using: &random)).map { _ in random.pick(texts) }.joined())
        case 4: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth + 1, using: &random) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &random) { members[random.pick(keys)] = value(depth: depth + 1, using: &random) }
            return .object(members)
        }
    }

    @Test(arguments: 0..<4)
    func everyValueIsWrittenAsJSONEncoderWritesIt(batch: UInt64) throws {
        var random = SeededGenerator(seed: 4200 + batch)
        for _ in 0..<300 {
            let value = Self.value(depth: 0, using: &random)
            var written = ByteBuffer()
            try written.writeJSON(value)
            let expected = try GatewayJSON.encoder().encode(value)
            #expect(Data(written.readableBytesView) == expected, "\(String(buffer: written))\n\(String(decoding: expected, as: UTF8.self))")
        }
    }

    @Test func numbersThatAreNotJSONAreRefusedAsTheEncoderRefusesThem() {
        for number in [Double.nan, .infinity, -.infinity] {
            var buffer = ByteBuffer()
            #expect(throws: (any Error).self) { try buffer.writeJSON(.object(["n": .number(number)])) }
            #expect(throws: (any Error).self) { try GatewayJSON.encoder().encode(JSONValue.object(["n": .number(number)])) }
        }
    }

    @Test func nestingAsDeepAsTheEncoderRefusesIsRefused() throws {
        func nested(_ levels: Int) -> JSONValue { (0..<levels).reduce(JSONValue.null) { inner, _ in .array([inner]) } }
        var buffer = ByteBuffer()
        #expect(throws: JSONWriteTooDeep.self) { try buffer.writeJSON(nested(ByteBuffer.maximumJSONWriteDepth)) }
        #expect(throws: (any Error).self) { try GatewayJSON.encoder().encode(nested(ByteBuffer.maximumJSONWriteDepth)) }
        var shallower = ByteBuffer()
        try shallower.writeJSON(nested(ByteBuffer.maximumJSONWriteDepth - 1))
        #expect(Data(shallower.readableBytesView) == (try GatewayJSON.encoder().encode(nested(ByteBuffer.maximumJSONWriteDepth - 1))))
    }
}
