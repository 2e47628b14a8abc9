/// `POST /v1/messages/count_tokens`.
extension MessagesRequest {
    /// `{"input_tokens": n}`: the gateway's estimate for the system prompt, the messages and the tools.
    var tokenCount: JSONValue {
        var texts: [String] = system.map(\.text)
        for message in messages {
            if message.role == .system { texts.append(Self.text(of: message)) }
            texts += Self.entries(of: message).compactMap(Transcript.text(of:))
        }
        for tool in tools {
            texts += [tool.name ?? "", tool.description ?? "", tool.inputSchema?.compactText ?? ""]
        }
        return .object(["input_tokens": .number(Double(TokenEstimator.estimate(texts)))])
    }
}
