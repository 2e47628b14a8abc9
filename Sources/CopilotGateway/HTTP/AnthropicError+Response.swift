import HTTPTypes
import Hummingbird
import NIOCore

extension AnthropicError {
    /// The error as an HTTP response with Anthropic's body.
    func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if closesConnection { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBytes)))
    }

    /// An error the HTTP layer words in OpenAI's terms (a missing key, a body too large), in Anthropic's shape.
    init(_ error: OpenAIError) {
        self.init(status: error.status, code: error.code, message: error.message, retryAfter: error.retryAfter)
        closesConnection = error.closesConnection
    }

    /// Whether a request speaks the Anthropic Messages API, so that its errors are Anthropic's: one of
    /// its routes, or any request with an `anthropic-version` header (the models list, an unknown path).
    static func isAnthropic(_ request: Request) -> Bool {
        let path = request.uri.path
        if routes.contains(path) { return true }
        return !path.hasSuffix("/chat/completions") && request.headers[HTTPField.Name("anthropic-version")!] != nil
    }

    static let routes: Set<String> = ["/v1/messages", "/messages", "/v1/messages/count_tokens", "/messages/count_tokens"]
}
