import Hummingbird
import NIOCore

import Foundation

/// How the gateway's routes write the values they return: JSON as `GatewayJSON` writes it (stable key
/// order, slashes unescaped), with the plain `application/json` type OpenAI answers with.
public struct GatewayResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        .json(ByteBuffer(bytes: try GatewayJSON.encoder().encode(value)))
    }
}

extension Response {
    /// A 200 answer of JSON bytes.
    static func json(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }
}

extension ChatCompletion: ResponseGenerator {
    /// Written by hand (`jsonBody`): every whole answer is one.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(jsonBody)
    }
}
extension JSONValue: ResponseGenerator {
    /// Written by hand (`ByteBuffer.writeJSON`), the bytes the encoder writes: the Responses dialect's
    /// whole answers and kept responses, and the Anthropic dialect's messages, are `JSONValue`s.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var buffer = ByteBuffer()
        try buffer.writeJSON(self)
        return .json(buffer)
    }
}
extension ModelList: ResponseEncodable {}
extension ModelList.Model: ResponseEncodable {}
