import Hummingbird
import Logging
import HTTPTypes
import NIOCore
import NIOHTTP1

import Foundation

extension OpenAIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The error as an HTTP response with the OpenAI body.
    func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if closesConnection { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBytes)))
    }

    /// `{"error":{…}}` as bytes, for a response body or an SSE event.
    var jsonBytes: [UInt8] {
        (try? Array(GatewayJSON.encoder().encode(body))) ?? Array(#"{"error":{"message":"internal error","type":"api_error","param":null,"code":null}}"#.utf8)
    }
}
