import NIOCore

extension GraphChatRequest {
    /// The request's JSON, the bytes `GatewayJSON.encoder()` writes (keys sorted, slashes unescaped),
    /// without a `JSONEncoder`: every turn sends one, on the way to its first token
    /// (`GraphChatRequestJSONTests` holds the two to the same bytes).
    var jsonBody: ByteBuffer {
        var buffer = ByteBuffer()
        let contextSize = additionalContext?.reduce(0) { $0 + $1.text.utf8.count + ($1.description?.utf8.count ?? 0) + 40 } ?? 0
        buffer.reserveCapacity(message.text.utf8.count + locationHint.timeZone.utf8.count + contextSize + 160)
        buffer.writeStaticString("{")
        if let additionalContext {
            buffer.writeStaticString(#""additionalContext":["#)
            for (index, entry) in additionalContext.enumerated() {
                buffer.writeStaticString(index == 0 ? "{" : ",{")
                if let description = entry.description {
                    buffer.writeStaticString(#""description":"#)
                    buffer.writeJSONString(description)
                    buffer.writeStaticString(",")
                }
                buffer.writeStaticString(#""text":"#)
                buffer.writeJSONString(entry.text)
                buffer.writeStaticString("}")
            }
            buffer.writeStaticString("],")
        }
        if let contextualResources {
            buffer.writeStaticString(#""contextualResources":{"webContext":{"isWebEnabled":"#)
            buffer.writeStaticString(contextualResources.webContext.isWebEnabled ? "true}}," : "false}},")
        }
        buffer.writeStaticString(#""locationHint":{"timeZone":"#)
        buffer.writeJSONString(locationHint.timeZone)
        buffer.writeStaticString(#"},"message":{"text":"#)
        buffer.writeJSONString(message.text)
        buffer.writeStaticString("}")
        if let responseOptions {
            buffer.writeStaticString(#","responseOptions":{"isDeltaStreamingEnabled":"#)
            buffer.writeStaticString(responseOptions.isDeltaStreamingEnabled ? "true}" : "false}")
        }
        buffer.writeStaticString("}")
        return buffer
    }
}
