import Hummingbird

/// The one route that runs a turn, for every dialect: decode (a refusal is counted), then stream the
/// reply through `EventStreamResponse` or answer it whole with the dialect's encoder, timing the first token.
struct TurnRoute<Dialect: TurnDialect>: Sendable {
    let dialect: Dialect
    let turns: TurnPipeline
    let relay: ReplyRelay

    @Sendable func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let metrics = turns.metrics
        let decoded: DialectTurn<Dialect.Encoder>
        do {
            let body = try await dialect.body(of: request)
            context.facts.isStream = Dialect.asksToStream(body)
            decoded = try await dialect.turn(body, request: request, context: context)
        } catch {
            metrics.rejected(.invalidRequest)
            throw error
        }
        var turn = decoded.turn
        turn.accounts = context.accounts
        let (logger, turns) = (context.logger, turns)
        if turn.stream {
            let started = try await turns.start(turn, logger: logger)
            var response = EventStreamResponse(
                started: started, encoder: decoded.encoder, relay: relay, metrics: metrics, logger: context.logger, start: start)
            response.onFinished = decoded.onFinished
            return response.response
        }
        let reply = try await relay.whole { [turn] in try await turns.start(turn, logger: logger).run { _ in } }
        metrics.timeToFirstToken(.now - start, stream: false)
        var encoder = decoded.encoder
        await decoded.onFinished(reply, &encoder)
        return .json(try encoder.whole(reply))
    }
}
