import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes the connection once an answer that says `Connection: close` has been written, as HTTP/1.1
/// asks of a server that sends it. The gateway says it when it stopped reading a request before its
/// end (a body over the limit, too slow, or broken), so that nothing more is read from a client whose
/// next bytes cannot be trusted, and a client that drips its body is let go at once.
///
/// The close lingers: the answer is followed by the end of the stream at once, but the connection is
/// dropped only `lingerTime` later, and meanwhile whatever the client still sends is read and thrown
/// away, so that the client reads the answer before unread bytes make the kernel reset the connection.
final class CloseAfterResponseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var closesAfterEnd = false
    private var lingering = false
    let lingerTime: TimeAmount

    init(lingerTime: TimeAmount = .seconds(2)) {
        self.lingerTime = lingerTime
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !lingering else { return }  // after the answer: read and thrown away
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if lingering {
            context.read()  // keep reading what the client still sends, whatever the handlers after this one want
        } else {
            context.fireChannelReadComplete()
        }
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
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in
                let (handler, context) = loopBound.value
                handler.lingering = true
                let halfClosed = context.eventLoop.makePromise(of: Void.self)
                halfClosed.futureResult.whenFailure { _ in loopBound.value.context.close(promise: nil) }
                context.close(mode: .output, promise: halfClosed)
                context.read()
                context.eventLoop.scheduleTask(in: handler.lingerTime) { loopBound.value.context.close(promise: nil) }
            }
            context.writeAndFlush(data, promise: written)
        case .body, .end:
            context.write(data, promise: promise)
        }
    }
}
