import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the connection once an answer that says `Connection: close` has been written, as HTTP/1.1
/// asks of a server that sends it. The gateway says it when it stopped reading a request before its
/// end (a body over the limit, too slow, or broken), so that nothing more is read from a client whose
/// next bytes cannot be trusted, and a client that drips its body is let go at once.
final class CloseAfterResponseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var closesAfterEnd = false
    /// How long the connection stays open for reading after the answer and the end of the stream went out.
    let lingerTime: TimeAmount

    init(lingerTime: TimeAmount = .seconds(2)) {
        self.lingerTime = lingerTime
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            closesAfterEnd = head.headerFields[.connection]?.lowercased() == "close"
            context.write(data, promise: promise)
        case .end where closesAfterEnd:
            closesAfterEnd = false
            let written = context.eventLoop.makePromise(of: Void.self)
            if let promise { written.futureResult.cascade(to: promise) }
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let linger = lingerTime
            written.futureResult.whenComplete { _ in
                // A lingering close: the answer is followed by the end of the stream at once, but the
                // connection is dropped only a little later, so the client reads the answer before any
                // bytes it is still sending make the kernel reset the connection.
                let context = loopBound.value
                let halfClosed = context.eventLoop.makePromise(of: Void.self)
                halfClosed.futureResult.whenFailure { _ in loopBound.value.close(promise: nil) }
                context.close(mode: .output, promise: halfClosed)
                context.eventLoop.scheduleTask(in: linger) { loopBound.value.close(promise: nil) }
            }
            context.writeAndFlush(data, promise: written)
        case .body, .end:
            context.write(data, promise: promise)
        }
    }
}
