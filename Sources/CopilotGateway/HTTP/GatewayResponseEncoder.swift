import Hummingbird
import NIOCore

import Foundation

/// How the gateway's routes write the values they return: JSON as `GatewayJSON` writes it (stable key
/// order, slashes unescaped), with the plain `application/json` type OpenAI answers with.
public struct GatewayResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        let data = try GatewayJSON.encoder().encode(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ChatCompletion: ResponseGenerator {
    /// Written by hand (`jsonBody`): every whole answer is one.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: jsonBody))
    }
}
extension JSONValue: ResponseGenerator {
    /// Written by hand (`ByteBuffer.writeJSON`), the bytes the encoder writes: the Responses dialect's
    /// whole answers and kept responses, and the Anthropic dialect's messages, are `JSONValue`s.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var buffer = ByteBuffer()
        try buffer.writeJSON(self)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
extension ModelList: ResponseEncodable {}
extension ModelList.Model: ResponseEncodable {}
