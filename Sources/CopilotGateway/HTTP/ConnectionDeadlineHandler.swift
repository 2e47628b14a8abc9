import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// The request body did not arrive within `GATEWAY_BODY_TIMEOUT_SECONDS`.
struct BodyDeadlineExceeded: Error {}

/// The two deadlines a connection keeps, each a timer on its event loop:
/// - a request's body must arrive within `bodyTimeout` of its head. Otherwise `BodyDeadlineExceeded`
///   is sent down the pipeline as an error, which ends the body (the body reader answers 408) and
///   frees whatever waited for it. A request whose head and end arrive together sets no timer.
/// - an answer may wait for a client that stopped reading (the channel is not writable) for at most
///   `writeTimeout`; then the connection is closed, which ends the response, cancels its call to
///   Copilot and gives its places back.
final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let bodyTimeout: TimeAmount
    private let writeTimeout: TimeAmount
    private var bodyDeadline: Scheduled<Void>?
    private var writeDeadline: Scheduled<Void>?

    init(bodyTimeout: TimeAmount, writeTimeout: TimeAmount) {
        self.bodyTimeout = bodyTimeout
        self.writeTimeout = writeTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            bodyDeadline?.cancel()
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            bodyDeadline = context.eventLoop.scheduleTask(in: bodyTimeout) {
                let (handler, context) = loopBound.value
                handler.bodyDeadline = nil
                context.fireErrorCaught(BodyDeadlineExceeded())
            }
        case .end:
            bodyDeadline?.cancel()
            bodyDeadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeDeadline?.cancel()
            writeDeadline = nil
        } else if writeDeadline == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            writeDeadline = context.eventLoop.scheduleTask(in: writeTimeout) { loopBound.value.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadlines()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadlines()
        context.fireChannelInactive()
    }

    private func cancelDeadlines() {
        bodyDeadline?.cancel()
        writeDeadline?.cancel()
        bodyDeadline = nil
        writeDeadline = nil
    }
}
