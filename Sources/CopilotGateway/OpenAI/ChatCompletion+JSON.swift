import NIOCore

extension ChatCompletion {
    /// The answer's JSON, the bytes `GatewayJSON.encoder()` writes (keys sorted, slashes unescaped),
    /// without a `JSONEncoder` (`ChatCompletionJSONTests` holds the two to the same bytes).
    var jsonBody: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(256 + choices.reduce(0) { $0 + ($1.message.content?.utf8.count ?? 0) + 128 * ($1.message.toolCalls?.count ?? 0) })
        buffer.writeStaticString(#"{"choices":["#)
        for (index, choice) in choices.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString(#"{"finish_reason":"#)
            buffer.writeJSONString(choice.finishReason)
            buffer.writeString(#","index":\#(choice.index),"logprobs":null,"message":{"annotations":["#)
            Self.write(choice.message.annotations, to: &buffer)
            buffer.writeStaticString(#"],"content":"#)
            if let content = choice.message.content { buffer.writeJSONString(content) } else { buffer.writeStaticString("null") }
            buffer.writeStaticString(#","refusal":null,"role":"#)
            buffer.writeJSONString(choice.message.role)
            if let calls = choice.message.toolCalls { Self.write(calls, to: &buffer) }
            buffer.writeStaticString("}}")
        }
        buffer.writeString(#"],"created":\#(created),"id":"#)
        buffer.writeJSONString(id)
        buffer.writeStaticString(#","model":"#)
        buffer.writeJSONString(model)
        buffer.writeStaticString(#","object":"#)
        buffer.writeJSONString(object)
        buffer.writeString(
            #","usage":{"completion_tokens":\#(usage.completionTokens),"prompt_tokens":\#(usage.promptTokens),"#
                + #""total_tokens":\#(usage.totalTokens)}}"#)
        return buffer
    }

    /// `{"type":"url_citation","url_citation":{"end_index","start_index","title","url"}}…`
    private static func write(_ citations: [TextCitation], to buffer: inout ByteBuffer) {
        for (index, citation) in citations.enumerated() {
            buffer.writeString(
                (index == 0 ? "" : ",") + #"{"type":"url_citation","url_citation":{"end_index":\#(citation.end),"start_index":\#(citation.start),"title":"#)
            buffer.writeJSONString(citation.title)
            buffer.writeStaticString(#","url":"#)
            buffer.writeJSONString(citation.url)
            buffer.writeStaticString("}}")
        }
    }

    /// `,"tool_calls":[{"function":{"arguments","name"},"id","type"}…]`
    private static func write(_ calls: [ToolCallObject], to buffer: inout ByteBuffer) {
        buffer.writeStaticString(#","tool_calls":["#)
        for (index, call) in calls.enumerated() {
            buffer.writeStaticString(index == 0 ? #"{"function":{"arguments":"# : #",{"function":{"arguments":"#)
            buffer.writeJSONString(call.function.arguments)
            buffer.writeStaticString(#","name":"#)
            buffer.writeJSONString(call.function.name)
            buffer.writeStaticString(#"},"id":"#)
            buffer.writeJSONString(call.id)
            buffer.writeStaticString(#","type":"#)
            buffer.writeJSONString(call.type)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]")
    }
}
