import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The request body did not arrive within `GATEWAY_BODY_TIMEOUT_SECONDS`.
struct BodyDeadlineExceeded: Error {}

/// Gives each request's body a deadline: from its head to its end. When the deadline passes first,
/// `BodyDeadlineExceeded` is sent down the pipeline as an error, which ends the request's body (the
/// body reader answers 408) and frees whatever waited for it. One timer on the event loop per
/// request, and none for a request whose head and end arrive together.
final class BodyDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            deadline?.cancel()
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = loopBound.value
                handler.deadline = nil
                context.fireErrorCaught(BodyDeadlineExceeded())
            }
        case .end:
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
