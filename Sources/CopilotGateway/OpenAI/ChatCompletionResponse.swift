/// A complete `chat.completion` answer.
public struct ChatCompletion: Encodable, Sendable {
    public var id: String
    public var object = "chat.completion"
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: CompletionUsage

    public struct Choice: Encodable, Sendable {
        public var index = 0
        public var message: Message
        public var finishReason: String
        enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason", logprobs }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encode(index, forKey: .index)
            try container.encodeNil(forKey: .logprobs)  // Copilot gives none: null, as OpenAI sends it unasked
            try container.encode(message, forKey: .message)
        }
    }

    public struct Message: Encodable, Sendable {
        public var role = "assistant"
        public var content: String?
        public var toolCalls: [ToolCallObject]?
        /// Copilot's citations, at their markers in `content`.
        var annotations: [TextCitation] = []

        enum CodingKeys: String, CodingKey { case role, content, refusal, annotations, toolCalls = "tool_calls" }

        init(content: String?, toolCalls: [ToolCallObject]? = nil) {
            self.content = content
            self.toolCalls = toolCalls
            annotations = content.map(URLCitations.citations(in:)) ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(annotations.map(Annotation.init), forKey: .annotations)
            try container.encode(content, forKey: .content)  // null beside tool calls, as OpenAI sends it
            try container.encodeNil(forKey: .refusal)
            try container.encode(role, forKey: .role)
            try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
        }
    }

    /// `{"type":"url_citation","url_citation":{"end_index","start_index","title","url"}}`.
    struct Annotation: Encodable {
        var type = "url_citation"
        var urlCitation: URLCitation
        struct URLCitation: Encodable {
            var endIndex: Int
            var startIndex: Int
            var title: String
            var url: String
            enum CodingKeys: String, CodingKey { case endIndex = "end_index", startIndex = "start_index", title, url }
        }
        enum CodingKeys: String, CodingKey { case type, urlCitation = "url_citation" }

        init(_ citation: TextCitation) {
            urlCitation = URLCitation(endIndex: citation.end, startIndex: citation.start, title: citation.title, url: citation.url)
        }
    }

    /// `{"id","type":"function","function":{"name","arguments"}}`.
    public struct ToolCallObject: Encodable, Sendable {
        public var id: String
        public var type = "function"
        public var function: Function
        public struct Function: Encodable, Sendable {
            public var name: String
            public var arguments: String
        }

        init(_ call: CopilotToolCall) {
            id = call.id
            function = .init(name: call.name, arguments: call.arguments)
        }
    }
}

/// Token counts. Copilot reports none, so these are estimates (see `TokenEstimator`).
public struct CompletionUsage: Encodable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
    }
}

/// One `chat.completion.chunk` of a stream.
public struct ChatCompletionChunk: Encodable, Sendable {
    public var id: String
    public var object = "chat.completion.chunk"
    public var created: Int
    public var model: String
    public var choices: [Choice]
    /// Only on the usage chunk, whose `choices` is empty.
    public var usage: CompletionUsage?

    public struct Choice: Encodable, Sendable {
        public var index = 0
        public var delta: Delta
        public var finishReason: String?

        enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            // OpenAI sends an explicit null until the last chunk.
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    public struct Delta: Encodable, Sendable {
        public var role: String?
        public var content: String?
        public var toolCalls: [ToolCallDelta]?
        enum CodingKeys: String, CodingKey { case role, content, toolCalls = "tool_calls" }
    }

    /// One tool call's piece of a stream: the id, type and name once, then argument fragments.
    public struct ToolCallDelta: Encodable, Sendable {
        public var index: Int
        public var id: String?
        public var type: String?
        public var function: Function
        public struct Function: Encodable, Sendable {
            public var name: String?
            public var arguments: String
        }
    }
}

/// `GET /v1/models`.
public struct ModelList: Encodable, Sendable {
    public var object = "list"
    public var data: [Model]

    public struct Model: Encodable, Sendable {
        public var id: String
        public var object = "model"
        public var created: Int
        public var ownedBy = "microsoft-365-copilot"
        enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }
    }
}
