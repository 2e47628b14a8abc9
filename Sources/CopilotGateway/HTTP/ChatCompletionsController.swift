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
        let completion: ChatCompletionRequest
        let turn: TurnRequest
        do {
            do {
                completion = try await request.decodeJSONBody(as: ChatCompletionRequest.self, what: "a valid chat completion request")
            } catch let problem as JSONBody.Problem {
                throw OpenAIError(problem)
            }
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
            return EventStreamResponse(
                started: started, encoder: encoder, relay: relay, metrics: metrics, logger: context.logger, start: start
            ).response
        }
        let reply = try await relay.whole { try await turns.start(turn).run { _ in } }
        metrics.timeToFirstToken(.now - start, stream: false)
        return try encoder.completion(reply).response(from: request, context: context)
    }
}
