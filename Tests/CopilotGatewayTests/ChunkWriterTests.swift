import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

/// The hand-written chunks say exactly what the `Encodable` chunks say.
@Suite struct ChunkWriterTests {
    static let texts = [
        "plain", "", "quote \" and backslash \\ and slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}",
        "中文，标点。", "emoji 👩‍💻 and combining é", "\u{2028}\u{2029} separators", "</script> & <b>",
    ]
    static let model = "gpt-4o \"quoted\"\n/slashed"
    let writer = ChunkWriter(id: "chatcmpl-abc", created: 1_700_000_000, model: Self.model)

    @Test(arguments: texts)
    func aTextChunkDecodesToTheSameObjectAsTheEncodableChunk(_ text: String) throws {
        let actual = try Self.object(writer.event(content: text))
        #expect(actual == (try Self.expected(choices: [.init(delta: .init(content: text))])))
        let content = ((actual["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        #expect(content == text)
    }

    @Test func theRoleChunkDecodesToTheSameObjectAsTheEncodableChunk() throws {
        let expected = try Self.expected(choices: [.init(delta: .init(role: "assistant", content: ""))])
        #expect(try Self.object(writer.opening()) == expected)
    }

    @Test(arguments: ["stop", "tool_calls", "content_filter"])
    func theFinishChunkDecodesToTheSameObjectAsTheEncodableChunk(_ reason: String) throws {
        let expected = try Self.expected(choices: [.init(delta: .init(), finishReason: reason)])
        #expect(try Self.object(writer.finish(reason: reason)) == expected)
    }

    @Test func theUsageChunkDecodesToTheSameObjectAsTheEncodableChunk() throws {
        let usage = CompletionUsage(promptTokens: 1_234, completionTokens: 0)
        let expected = try Self.expected(choices: [], usage: usage)
        #expect(try Self.object(writer.usage(usage)) == expected)
    }

    /// The objects above cannot tell `0` from `false` or see the order of keys: the exact bytes of the
    /// fixed chunks (OpenAI's own order: id, object, created, model, choices).
    @Test func theFixedChunksAreTheseExactBytes() {
        let writer = ChunkWriter(id: "chatcmpl-1", created: 7, model: "copilot")
        let head = #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":7,"model":"copilot","choices":["#
        #expect(String(buffer: writer.opening()) == head + #"{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"# + "\n\n")
        #expect(String(buffer: writer.event(content: "a\"b")) == head + #"{"index":0,"delta":{"content":"a\"b"},"finish_reason":null}]}"# + "\n\n")
        #expect(String(buffer: writer.finish(reason: "stop")) == head + #"{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n")
        #expect(
            String(buffer: writer.usage(CompletionUsage(promptTokens: 3, completionTokens: 4)))
                == head + #"],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"# + "\n\n")
    }

    /// One `data: {…}\n\n` event's object.
    private static func object(_ buffer: ByteBuffer) throws -> NSDictionary {
        let written = String(buffer: buffer)
        #expect(written.hasPrefix("data: ") && written.hasSuffix("}\n\n"))
        let object = try JSONSerialization.jsonObject(with: Data(written.dropFirst(6).dropLast(2).utf8)) as? NSDictionary
        return try #require(object)
    }

    private static func expected(choices: [ChatCompletionChunk.Choice], usage: CompletionUsage? = nil) throws -> NSDictionary {
        let chunk = ChatCompletionChunk(id: "chatcmpl-abc", created: 1_700_000_000, model: model, choices: choices, usage: usage)
        let object = try JSONSerialization.jsonObject(with: GatewayJSON.encoder().encode(chunk)) as? NSDictionary
        return try #require(object)
    }
}
