import HTTPTypes

/// An error as OpenAI sends it: `{"error":{"message","type","param","code"}}` with a status.
public struct OpenAIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    /// Seconds a client should wait, sent as `Retry-After`.
    public var retryAfter: Int?
    /// The connection is closed after this answer (`Connection: close`): the request was not read to
    /// its end, so nothing after it on the connection can be trusted.
    public var closesConnection = false

    public init(status: HTTPResponse.Status, message: String, type: String, param: String? = nil, code: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// The JSON body.
    public var body: Body { Body(error: .init(message: message, type: type, param: param, code: code)) }

    public struct Body: Codable, Sendable, Equatable {
        public var error: Detail
        public struct Detail: Codable, Sendable, Equatable {
            public var message: String
            public var type: String
            public var param: String?
            public var code: String?

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }
        }
    }
}
