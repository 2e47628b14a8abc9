import HTTPTypes
import Hummingbird
import Logging

import Foundation

/// The OpenAI Responses API: `POST /v1/responses`, whole or as server-sent events (the Responses
/// decoder makes a neutral turn, the turn pipeline runs it, the Responses encoder writes the reply),
/// and `GET` and `DELETE /v1/responses/{id}` for the responses kept (unless `store: false`) for the
/// session TTL, which `previous_response_id` continues from. Only the caller that asked sees one.
struct ResponsesController: Sendable {
    let turns: TurnPipeline
    let relay: ReplyRelay
    let store: any ResponseStore
    /// How long a response is kept (`COPILOT_SESSION_TTL`), and how many at most (`COPILOT_MAX_CONVERSATIONS`).
    let ttl: Duration
    let capacity: Int
    var metrics: GatewayMetrics { turns.metrics }

    func addRoutes(to router: some RouterMethods<GatewayRequestContext>) {
        for prefix in ["/v1", ""] {
            router.post("\(prefix)/responses", use: create)
            router.get("\(prefix)/responses/{id}", use: retrieve)
            router.delete("\(prefix)/responses/{id}", use: delete)
        }
    }

    @Sendable func create(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let (responses, turn) = try await decode(request, context: context)
        let encoder = ResponsesEncoder(model: turn.model, echoed: responses.echoed, customTools: responses.customToolNames)
        let keep: @Sendable (TurnReply) async -> Void = { [self, caller = context.caller, logger = context.logger] reply in
            guard responses.store else { return }
            let entry = TurnEntry.assistant(
                reply.text.isEmpty ? [] : [.text(reply.text)], calls: reply.toolCalls.map { HistoryCall(id: $0.id, name: $0.name, arguments: $0.arguments) })
            let record = ResponseRecord(instructions: turn.instructions, conversation: turn.history + turn.newTurn + [entry], body: encoder.response(reply))
            do {
                try await store.save(try record.stored(id: encoder.id, caller: caller, at: Date()))
                try await prune()
            } catch {
                logger.error("Could not keep the response for previous_response_id", metadata: ["error": "\(error)"])
            }
        }
        let turns = turns
        if turn.stream {
            let started = try await turns.start(turn)
            var response = EventStreamResponse(started: started, encoder: encoder, relay: relay, metrics: metrics, logger: context.logger, start: start)
            response.onFinished = keep
            return response.response
        }
        let reply = try await relay.whole { try await turns.start(turn).run { _ in } }
        metrics.timeToFirstToken(.now - start, stream: false)
        await keep(reply)
        return try encoder.response(reply).response(from: request, context: context)
    }

    /// The request, its previous response if it names one, and the neutral turn; or the client's error.
    private func decode(_ request: Request, context: GatewayRequestContext) async throws -> (ResponsesRequest, TurnRequest) {
        do {
            let responses: ResponsesRequest
            do {
                responses = try await request.decodeJSONBody(as: ResponsesRequest.self, what: "a valid Responses API request")
            } catch let problem as JSONBody.Problem {
                throw OpenAIError(problem)
            }
            context.facts.isStream = responses.stream
            var previous: ResponseRecord?
            if let id = responses.previousResponseID {
                previous = try ResponseRecord(try await stored(id, context: context, param: "previous_response_id"))
            }
            return (responses, try responses.turnRequest(caller: context.caller, previous: previous))
        } catch {
            metrics.rejected(.invalidRequest)
            throw error
        }
    }

    @Sendable func retrieve(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let stored = try await stored(try context.parameters.require("id"), context: context, param: nil)
        return try ResponseRecord(stored).body.response(from: request, context: context)
    }

    @Sendable func delete(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let stored = try await stored(try context.parameters.require("id"), context: context, param: nil)
        _ = try await store.deleteResponse(id: stored.id)
        let deleted: JSONValue = .object(["id": .string(stored.id), "object": .string("response.deleted"), "deleted": .bool(true)])
        return try deleted.response(from: request, context: context)
    }

    /// Forgets the responses past the TTL and beyond the cap.
    private func prune() async throws {
        try await store.prune(before: Date().addingTimeInterval(-Double(ttl.components.seconds)), keepingAtMost: capacity)
    }

    /// The caller's kept response `id` (another caller's, expired and unknown ones alike are not found):
    /// a 404 for `GET` and `DELETE`, a 400 naming `previous_response_id` for a continuation, as OpenAI answers.
    private func stored(_ id: String, context: GatewayRequestContext, param: String?) async throws -> StoredResponse {
        try await prune()
        guard let stored = try await store.response(id: id), stored.caller == context.caller else {
            throw OpenAIError(
                status: param == nil ? .notFound : .badRequest,
                message: "No response with id '\(id)': it was never kept (store: false), has expired, or belongs to another API key.",
                type: "invalid_request_error", param: param, code: param == nil ? "response_not_found" : "previous_response_not_found")
        }
        return stored
    }
}
