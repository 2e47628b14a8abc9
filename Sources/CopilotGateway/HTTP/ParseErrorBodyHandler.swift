import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Gives the server's answer to a request that could not be parsed (a garbage request line, a bad
/// header, a broken chunk) an OpenAI error body.
///
/// Hummingbird answers such a request itself, before any route or middleware runs, with a bare
/// `400` and an empty body. This handler sits between the HTTP codec and Hummingbird: once the codec
/// has reported a parse error on the connection, it fills in the body of that empty 400. When the
/// broken part was the body of a request that a route has already answered (a route that did not
/// read its body), that 400 would be a second answer to one request: it is dropped instead, and the
/// connection closed.
final class ParseErrorBodyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var parseError: HTTPParserError?
    /// What happens to Hummingbird's bare 400 after a parse error.
    private enum Rewrite { case none, addBody, drop }
    private var rewrite = Rewrite.none
    /// A request head came and its end has not.
    private var readingBody = false
    /// The latest request has been answered (its response ended).
    private var answered = true
    /// The parse error broke the body of the latest request (not a new request's head).
    private var errorInBody = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            answered = false
        case .end:
            readingBody = false
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError {
            parseError = error
            errorInBody = readingBody
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where parseError != nil && head.status == .badRequest && head.headerFields[.contentLength] == "0":
            if errorInBody && answered {
                rewrite = .drop
                promise?.succeed(())
                return
            }
            let body = Self.body(for: parseError)
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            rewrite = .addBody
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
        case .end where rewrite == .drop:
            rewrite = .none
            parseError = nil
            promise?.succeed(())
            context.close(promise: nil)
        case .end:
            if rewrite == .addBody { parseError = nil }
            rewrite = .none
            answered = true
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
