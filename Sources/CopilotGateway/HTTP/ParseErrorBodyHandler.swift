import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Gives the server's answer to a request that could not be parsed (a garbage request line, a bad
/// header, a broken chunk) an OpenAI error body.
///
/// Hummingbird answers such a request itself, before any route or middleware runs, with a bare
/// `400` and an empty body. This handler sits between the HTTP codec and Hummingbird: once the codec
/// has reported a parse error on the connection, it fills in the body of that empty 400.
final class ParseErrorBodyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var parseError: HTTPParserError?
    /// The head of the empty 400 was rewritten; its body goes out before its end.
    private var rewriting = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError { parseError = error }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where parseError != nil && head.status == .badRequest && head.headerFields[.contentLength] == "0":
            let body = Self.body(for: parseError)
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            rewriting = true
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
        case .end where rewriting:
            rewriting = false
            parseError = nil
            context.write(data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    static func body(for error: HTTPParserError?) -> ByteBuffer {
        let reason = error.map(RequestBodyReader.describe) ?? "it is not valid HTTP/1.1"
        let answer = OpenAIError.invalidRequest("The request could not be read: \(reason).", code: "malformed_request")
        return ByteBuffer(bytes: answer.jsonBytes)
    }
}
