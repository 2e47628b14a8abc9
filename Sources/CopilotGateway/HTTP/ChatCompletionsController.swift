import HTTPTypes
import Hummingbird
import Logging
import NIOCore

import Foundation

/// `POST /v1/chat/completions`, whole or as server-sent events: the Chat Completions decoder makes a
/// neutral turn, the turn pipeline runs it, and the Chat Completions encoder writes the reply.
struct ChatCompletionsController: Sendable {
    let turns: TurnPipeline
    let relay: ReplyRelay
    var metrics: GatewayMetrics { turns.metrics }

    func addRoutes(to router: some RouterMethods<GatewayRequestContext>) {
        router.post("/v1/chat/completions", use: handle)
        router.post("/chat/completions", use: handle)
    }

    @Sendable func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        // The body was read whole (and limited) before the request was admitted.
        var request = request
        let body = try await request.collectBody(upTo: .max)
        let completion: ChatCompletionRequest
        let turn: TurnRequest
        do {
            completion = try await ChatCompletionRequest.decodeOffloaded(body)
            context.facts.isStream = completion.stream == true
            turn = try completion.turnRequest(caller: context.caller, sessionKey: completion.sessionKey(headers: request.headers))
        } catch {
            metrics.rejected(.invalidRequest)
            throw error
        }
        let encoder = ChatCompletionEncoder(model: turn.model, includeUsage: completion.includeUsage)
        let turns = turns
        if turn.stream {
            let started = try await turns.start(turn)
            return streamResponse(started, encoder: encoder.streaming(), start: start, logger: context.logger)
        }
        let reply = try await relay.run({ _ in try await turns.start(turn).run { _ in } }, write: { _ in })
        metrics.timeToFirstToken(.now - start, stream: false)
        return try encoder.completion(reply).response(from: request, context: context)
    }

    /// The SSE response. A failure after the first byte is sent as a `data: {"error":…}` event.
    private func streamResponse(_ started: StartedTurn, encoder: ChatCompletionEncoder, start: ContinuousClock.Instant, logger: Logger) -> Response {
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        let (relay, metrics) = (relay, metrics)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            metrics.streamStarted()
            var end = GatewayMetrics.StreamEnd.clientGone
            defer { metrics.streamEnded(end) }
            var waitingForFirstEvent = true
            try await writer.write(encoder.opening())
            do {
                _ = try await relay.run({ emit in try await started.run(emit: emit) }) { event in
                    guard let event else {
                        // Keeps proxies and clients from dropping the connection while Copilot thinks.
                        return try await writer.write(ChatCompletionEncoder.keepAlive)
                    }
                    if waitingForFirstEvent {
                        waitingForFirstEvent = false
                        metrics.timeToFirstToken(.now - start, stream: true)
                    }
                    try await writer.write(encoder.encode(event))
                }
                end = .completed
            } catch TurnError.shuttingDown {
                end = .shutdown
                logger.notice("Ended a running stream: the gateway is shutting down")
                try await writer.write(encoder.failure(OpenAIError(TurnError.shuttingDown)))
            } catch let error where !(error is CancellationError) && !(error is ReplyRelay.ClientGone) {
                end = .failed
                let failure = (error as? any ClientFacingError)?.failure ?? TurnError.streamFailed.failure
                logger.warning("Stream failed after it started", metadata: ["error.code": "\(failure.code ?? "-")"])
                try await writer.write(encoder.failure(OpenAIError(failure)))
            }
            try await writer.finish(nil)
        })
    }
}
