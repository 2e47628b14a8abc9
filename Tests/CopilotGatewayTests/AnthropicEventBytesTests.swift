import NIOCore
import Testing

@testable import CopilotGateway

/// The Messages dialect's events and answers, byte for byte as Anthropic's clients have always received
/// them from the gateway (keys sorted, `stop_sequence` null, the prompt-cache counts zero), with the
/// fields Anthropic's document requires (`container`, `stop_details`, the usage's details, a text
/// block's `citations`, a tool use's `caller`).
@Suite struct AnthropicEventBytesTests {
    static func usage(_ output: Int) -> String {
        #"{"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"cache_creation_input_tokens":0,"#
            + #""cache_read_input_tokens":0,"inference_geo":null,"input_tokens":120,"iterations":null,"output_tokens":\#(output),"#
            + #""output_tokens_details":{"thinking_tokens":0},"server_tool_use":null,"service_tier":null,"speed":null}"#
    }

    @Test func aTextReplyStreamsTheseExactEvents() throws {
        var encoder = MessagesEncoder(model: "claude", estimatedInputTokens: 120, id: "msg_1")
        var stream = String(buffer: try encoder.opening())
        for event in [ReplyEvent.textDelta("hi \"you\"\n"), .finished(.stop, TokenUsage(input: 3, output: 4))] {
            stream += String(buffer: try encoder.encode(event))
        }
        let expected = """
            event: message_start
            data: {"message":{"container":null,"content":[],"context_management":null,"diagnostics":null,"id":"msg_1","model":"claude","role":"assistant","stop_details":null,\
            "stop_reason":null,"stop_sequence":null,"type":"message","usage":\(Self.usage(1))},"type":"message_start"}

            event: content_block_start
            data: {"content_block":{"citations":null,"text":"","type":"text"},"index":0,"type":"content_block_start"}

            event: ping
            data: {"type":"ping"}

            event: content_block_delta
            data: {"delta":{"text":"hi \\"you\\"\\n","type":"text_delta"},"index":0,"type":"content_block_delta"}

            event: content_block_stop
            data: {"index":0,"type":"content_block_stop"}

            event: message_delta
            data: {"context_management":null,"delta":{"container":null,"stop_details":null,"stop_reason":"end_turn","stop_sequence":null},"type":"message_delta","usage":\(Self.usage(4))}

            event: message_stop
            data: {"type":"message_stop"}


            """
        #expect(stream == expected)
    }

    @Test func aToolCallStreamsTheseExactEvents() throws {
        var encoder = MessagesEncoder(model: "claude", estimatedInputTokens: 120, id: "msg_2")
        var stream = ""
        for event in [
            ReplyEvent.textDelta("Checking."), .toolCallStarted(index: 0, id: "call_abc", name: "get_weather"),
            .toolCallArguments(index: 0, fragment: #"{"city":"#), .toolCallArguments(index: 0, fragment: #""Paris"}"#),
            .finished(.toolCalls, TokenUsage(input: 3, output: 9)),
        ] {
            stream += String(buffer: try encoder.encode(event))
        }
        let expected = """
            event: content_block_start
            data: {"content_block":{"citations":null,"text":"","type":"text"},"index":0,"type":"content_block_start"}

            event: ping
            data: {"type":"ping"}

            event: content_block_delta
            data: {"delta":{"text":"Checking.","type":"text_delta"},"index":0,"type":"content_block_delta"}

            event: content_block_stop
            data: {"index":0,"type":"content_block_stop"}

            event: content_block_start
            data: {"content_block":{"caller":{"type":"direct"},"id":"toolu_abc","input":{},"name":"get_weather","type":"tool_use"},"index":1,"type":"content_block_start"}

            event: content_block_delta
            data: {"delta":{"partial_json":"{\\"city\\":","type":"input_json_delta"},"index":1,"type":"content_block_delta"}

            event: content_block_delta
            data: {"delta":{"partial_json":"\\"Paris\\"}","type":"input_json_delta"},"index":1,"type":"content_block_delta"}

            event: content_block_stop
            data: {"index":1,"type":"content_block_stop"}

            event: message_delta
            data: {"context_management":null,"delta":{"container":null,"stop_details":null,"stop_reason":"tool_use","stop_sequence":null},"type":"message_delta","usage":\(Self.usage(9))}

            event: message_stop
            data: {"type":"message_stop"}


            """
        #expect(stream == expected)
    }

    @Test func aWholeAnswerIsThisExactMessage() throws {
        let encoder = MessagesEncoder(model: "claude", estimatedInputTokens: 120, id: "msg_3")
        let reply = TurnReply(
            text: "Sure/ok", toolCalls: [CopilotToolCall(id: "call_9", name: "f", arguments: #"{"b":[1,2.5],"a":null}"#)],
            finishReason: .toolCalls, usage: TokenUsage(input: 3, output: 7))
        var body = ByteBuffer()
        try body.writeJSON(encoder.message(reply).json)
        let expected = #"{"container":null,"content":[{"citations":null,"text":"Sure/ok","type":"text"},{"caller":{"type":"direct"},"# +
            #""id":"toolu_9","input":{"a":null,"b":[1,2.5]},"name":"f","type":"tool_use"}],"context_management":null,"diagnostics":null,"id":"msg_3","model":"claude","role":"assistant","# +
            #""stop_details":null,"stop_reason":"tool_use","stop_sequence":null,"type":"message","usage":"# + Self.usage(7) + "}"
        #expect(String(buffer: body) == expected)
    }
}
