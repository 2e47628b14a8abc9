import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

/// The text-delta events written without a `JSONEncoder` must be the very bytes the encoder writes for
/// the same event.
struct TextDeltaEventTests {
    static let texts = [
        "", "plain", "\"quoted\" and \\back\\slash", "line\nbreak\ttab\r", "\u{0}\u{1}\u{1F}\u{7F}", "a/b </script>", "中文 😀 👩‍👩‍👧",
        "e\u{301}", "\u{2028}\u{2029}", "[1]: <https://x/y> \"title\"",
    ]

    @Test(arguments: texts)
    func anthropicTextDeltasAreWrittenAsTheEncoderWritesThem(text: String) throws {
        for index in [0, 3, 12] {
            var fast = ByteBuffer()
            MessagesEncoder.writeTextDelta(text, index: index, into: &fast)
            let data: JSONValue = .object([
                "type": .string("content_block_delta"), "index": .number(Double(index)),
                "delta": .object(["type": .string("text_delta"), "text": .string(text)]),
            ])
            let encoded = "event: content_block_delta\ndata: " + String(decoding: try GatewayJSON.encoder().encode(data), as: UTF8.self) + "\n\n"
            #expect(String(buffer: fast) == encoded)
        }
    }

    @Test(arguments: texts)
    func responsesTextDeltasAreWrittenAsTheEncoderWritesThem(text: String) throws {
        for (outputIndex, sequence) in [(0, 2), (1, 17), (4, 1234)] {
            var fast = ByteBuffer()
            ResponsesEncoder.writeTextDelta(text, itemID: "msg_0123", outputIndex: outputIndex, sequence: sequence, into: &fast)
            let data: JSONValue = .object([
                "content_index": .number(0), "delta": .string(text), "logprobs": .array([]), "item_id": .string("msg_0123"),
                "output_index": .number(Double(outputIndex)), "sequence_number": .number(Double(sequence)),
                "type": .string("response.output_text.delta"),
            ])
            let encoded = "event: response.output_text.delta\ndata: " + String(decoding: try GatewayJSON.encoder().encode(data), as: UTF8.self) + "\n\n"
            #expect(String(buffer: fast) == encoded)
        }
    }
}
