import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Gives the server's answer to a request that could not be parsed (a garbage request line, a bad
/// header, a broken chunk) an error body in the shape of the path it was sent to, as a route's errors
/// have (`RouteShapes`; on the routes of no dialect, Anthropic's when it sent `anthropic-version`).
/// The path and header come from `RequestHeadSniffer`, which it puts ahead of the HTTP parser.
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

    private let shapes: RouteShapes
    private let sniffer = RequestHeadSniffer()
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

    init(shapes: RouteShapes) {
        self.shapes = shapes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.pipeline.syncOperations.addHandler(sniffer, position: .first)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            answered = false
            sniffer.headParsed()
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
            let shape = shape(of: sniffer.heads.first)
            let requestID = "req_" + RandomID.hex()
            let body = Self.body(for: parseError, shape: shape, requestID: requestID)
            if shape == .anthropic { head.headerFields[.anthropicRequestID] = requestID }
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

    /// The shape of the path the refused request was sent to; OpenAI's when not even its request line was read.
    private func shape(of head: RequestHeadSniffer.Head?) -> ErrorShape {
        guard let head else { return .openAI }
        return shapes.shape(ofPath: head.path) ?? (head.hasAnthropicVersion ? .anthropic : .openAI)
    }

    static func body(for error: HTTPParserError?, shape: ErrorShape, requestID: String) -> ByteBuffer {
        let reason = error.map(RequestBodyReader.describe) ?? "it is not valid HTTP/1.1"
        return ByteBuffer(bytes: shape.jsonBytes(EdgeError.malformedRequest(reason).failure, requestID: requestID))
    }
}
