import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The server-sent-events response of a started turn, the same for every dialect: the opening event,
/// the reply's events as the encoder writes them (through `ReplyRelay`: keep-alives, the shutdown
/// grace, a client that hangs up), and a failure after the first byte as the dialect's error event.
struct EventStreamResponse<Encoder: ReplyEncoder> {
    let started: StartedTurn
    let encoder: Encoder
    let relay: ReplyRelay
    let metrics: GatewayMetrics
    let logger: Logger
    /// When the request arrived, for the time to the first token.
    let start: ContinuousClock.Instant
    /// Called with the reply once all but its end has been sent, before the end is encoded.
    var onFinished: @Sendable (TurnReply, inout Encoder) async -> Void = { _, _ in }

    var response: Response {
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in try await write(to: &writer) })
    }

    private func write(to writer: inout any ResponseBodyWriter) async throws {
        metrics.streamStarted()
        var end = GatewayMetrics.StreamEnd.clientGone
        defer { metrics.streamEnded(end) }
        var encoder = encoder
        var waitingForFirstEvent = true
        try await writer.write(encoder.opening())
        do {
            let started = started
            // The last event is encoded and written once `onFinished` has run, so that what it hands
            // on (a kept response) is there once the client has the end, and the end can say so.
            var last: ReplyEvent?
            let reply = try await relay.run({ emit in try await started.run(emit: emit) }) { event in
                guard let event else { return try await writer.write(Encoder.keepAlive) }
                if waitingForFirstEvent {
                    waitingForFirstEvent = false
                    metrics.timeToFirstToken(.now - start, stream: true)
                }
                if case .finished = event { last = event } else { try await writer.write(try encoder.encode(event)) }
            }
            await onFinished(reply, &encoder)
            if let last {
                let bytes = try encoder.encode(last)
                do { try await writer.write(bytes) } catch { throw ReplyRelay.ClientGone() }
            }
            end = .completed
        } catch TurnError.shuttingDown {
            end = .shutdown
            logger.notice("Ended a running stream: the gateway is shutting down")
            try await writer.write(encoder.failure(TurnError.shuttingDown.failure))
        } catch let error where !(error is CancellationError) && !(error is ReplyRelay.ClientGone) {
            end = .failed
            let failure = (error as? any ClientFacingError)?.failure ?? TurnError.streamFailed.failure
            logger.warning("Stream failed after it started", metadata: ["error.code": "\(failure.code ?? "-")"])
            try await writer.write(encoder.failure(failure))
        }
        try await writer.finish(nil)
    }
}
