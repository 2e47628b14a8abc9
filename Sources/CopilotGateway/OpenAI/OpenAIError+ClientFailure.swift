import HTTPTypes

extension OpenAIError {
    /// A domain failure in OpenAI's shape: the one place the core's errors become OpenAI errors.
    public init(_ failure: ClientFailure) {
        let type = switch failure.kind {
        case .invalidRequest: "invalid_request_error"
        case .authentication: "authentication_error"
        case .permission: "permission_error"
        case .rateLimit: "rate_limit_error"
        case .server: "api_error"
        }
        self.init(
            status: HTTPResponse.Status(code: failure.status), message: failure.message, type: type, param: failure.param, code: failure.code,
            retryAfter: failure.retryAfter)
    }

    public init(_ error: some ClientFacingError) {
        self.init(error.failure)
    }
}

extension OpenAIError {
    /// A body that could not be decoded: 400, naming the field at fault.
    init(_ problem: JSONBody.Problem) {
        self = .invalidRequest(problem.message, param: problem.param, code: problem.code)
    }
}

extension MessageContent: DescribedInErrors {
    static var errorDescription: String { "a string or an array of content parts" }
}
