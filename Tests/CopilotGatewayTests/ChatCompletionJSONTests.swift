import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

/// A whole answer is written by hand; it must be the very bytes `JSONEncoder` wrote.
@Suite struct ChatCompletionJSONTests {
    static let pieces = [
        "plain", "", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1F}\u{7F}", "中文，标点。",
        "emoji 👩‍💻 é", "\u{2028}", "{\"city\":\"Paris\",\"days\":[1,2]}",
    ]

    @Test(arguments: 0..<4)
    func theHandWrittenAnswerIsTheBytesJSONEncoderWrites(batch: UInt64) throws {
        var random = SeededGenerator(seed: 400 + batch)
        func text() -> String { (0..<Int.random(in: 0...3, using: &random)).map { _ in random.pick(Self.pieces) }.joined() }
        for _ in 0..<150 {
            let calls = (0..<random.pick([0, 0, 1, 3])).map { _ in
                ChatCompletion.ToolCallObject(CopilotToolCall(id: "call_" + text(), name: text(), arguments: text()))
            }
            let message: ChatCompletion.Message = calls.isEmpty
                ? .init(content: text()) : .init(content: random.chance(0.5) ? nil : text(), toolCalls: calls)
            let completion = ChatCompletion(
                id: "chatcmpl-" + text(), created: Int.random(in: 0...2_000_000_000, using: &random), model: text(),
                choices: [.init(message: message, finishReason: random.pick(["stop", "tool_calls", "content_filter"]))],
                usage: CompletionUsage(promptTokens: Int.random(in: 0...100_000, using: &random), completionTokens: Int.random(in: 0...9_999, using: &random)))
            let expected = try GatewayJSON.encoder().encode(completion)
            let written = Data(completion.jsonBody.readableBytesView)
            #expect(written == expected, "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
        }
    }
}
