import HTTPTypes
import Hummingbird
import NIOCore

extension AnthropicError {
    /// The error as an HTTP response with Anthropic's body.
    func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if closesConnection { headers[.connection] = "close" }
        if let requestID { headers[.anthropicRequestID] = requestID }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBytes)))
    }
}
