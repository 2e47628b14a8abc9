import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

/// The chat request Graph receives is written by hand; it must be the very bytes `JSONEncoder` wrote.
@Suite struct GraphChatRequestJSONTests {
    static let pieces = [
        "plain", "", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}",
        "中文，标点。", "emoji 👩‍💻 and combining é", "\u{2028}\u{2029}", "</script> & <b>", "[^1^] {\"json\":[1]}",
    ]

    @Test(arguments: 0..<4)
    func theHandWrittenBodyIsTheBytesJSONEncoderWrites(batch: UInt64) throws {
        var random = SeededGenerator(seed: 900 + batch)
        func text() -> String { (0..<Int.random(in: 0...4, using: &random)).map { _ in random.pick(Self.pieces) }.joined() }
        for _ in 0..<200 {
            let context = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                GraphChatRequest.ContextEntry(text: text(), description: random.chance(0.5) ? text() : nil)
            }
            var request = GraphChatRequest(
                text: text(), timeZone: random.pick(["UTC", "Asia/Shanghai", "America/Argentina/Buenos_Aires"]),
                webEnabled: random.chance(0.5), additionalContext: context)
            if random.chance(0.3) { request.responseOptions = .init(isDeltaStreamingEnabled: random.chance(0.5)) }
            let expected = try GatewayJSON.encoder().encode(request)
            let written = Data(request.jsonBody.readableBytesView)
            #expect(written == expected, "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
        }
    }
}
