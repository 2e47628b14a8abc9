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
        if error.code == "upstream_busy" || error.code == "upstream_unavailable" {
            self.init(status: .init(code: 529), type: "overloaded_error", message: error.message, retryAfter: error.retryAfter)
        } else {
            self.init(status: error.status, message: error.message, retryAfter: error.retryAfter)
        }
        closesConnection = error.closesConnection
    }

    /// Whether a request speaks the Anthropic Messages API (`/v1/messages`, `/messages`, and their
    /// `count_tokens`), so that its errors are Anthropic's.
    static func isAnthropic(_ request: Request) -> Bool {
        let path = request.uri.path
        return path.hasSuffix("/messages") || path.hasSuffix("/messages/count_tokens")
    }
}
