import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

/// The hand-written text chunks say exactly what the `Encodable` chunk says.
@Suite struct ContentChunkWriterTests {
    static let texts = [
        "plain", "", "quote \" and backslash \\ and slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{8}\u{C}\u{1F}\u{7F}",
        "中文，标点。", "emoji 👩‍💻 and combining é", "\u{2028}\u{2029} separators", "</script> & <b>",
    ]

    @Test(arguments: texts)
    func aTextChunkDecodesToTheSameObjectAsTheEncodableChunk(_ text: String) throws {
        let model = "gpt-4o \"quoted\"\n/slashed"
        let writer = ContentChunkWriter(id: "chatcmpl-abc", created: 1_700_000_000, model: model)
        let written = String(buffer: writer.event(content: text))
        #expect(written.hasPrefix("data: ") && written.hasSuffix("}\n\n"))
        let encodable = ChatCompletionChunk(id: "chatcmpl-abc", created: 1_700_000_000, model: model, choices: [.init(delta: .init(content: text))])
        let expected = try JSONSerialization.jsonObject(with: GatewayJSON.encoder().encode(encodable)) as? NSDictionary
        let actual = try JSONSerialization.jsonObject(with: Data(written.dropFirst(6).dropLast(2).utf8)) as? NSDictionary
        #expect(actual != nil && actual == expected)
        let content = ((actual?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        #expect(content == text)
    }
}
