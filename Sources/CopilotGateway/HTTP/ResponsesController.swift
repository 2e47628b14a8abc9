import Hummingbird
import Logging
import NIOCore

/// The OpenAI Responses API: `POST /v1/responses`, whole or as server-sent events (the Responses
/// decoder makes a neutral turn, `TurnRoute` runs it, the Responses encoder writes the reply), and
/// `GET` and `DELETE /v1/responses/{id}` for the responses kept (`KeptResponses`), which
/// `previous_response_id` continues from.
struct ResponsesController: APIRoutes, TurnDialect {
    static let errorShape: ErrorShape? = .openAI
    static let bodyDescription = "a valid Responses API request"
    let turns: TurnPipeline
    let relay: ReplyRelay
    let kept: KeptResponses

    func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
        let route = TurnRoute(dialect: self, turns: turns, relay: relay)
        for prefix in ["/v1", ""] {
            group.post("\(prefix)/responses", use: route.handle)
            group.get("\(prefix)/responses/{id}", use: retrieve)
            group.delete("\(prefix)/responses/{id}", use: delete)
        }
    }

    static func refusal(_ problem: JSONBody.Problem) -> any Error { OpenAIError(problem) }

    static func asksToStream(_ body: ResponsesRequest) -> Bool { body.stream }

    func turn(_ body: ResponsesRequest, request: Request, context: GatewayRequestContext) async throws -> DialectTurn<ResponsesEncoder> {
        var previous: ResponseRecord?
        if let id = body.previousResponseID { previous = try await kept.find(id, caller: context.caller, asPrevious: true) }
        let turn = try body.turnRequest(caller: context.caller, previous: previous)
        let encoder = ResponsesEncoder(model: turn.model, echoed: body.echoed, customTools: body.customToolNames)
        guard body.store else { return DialectTurn(turn: turn, encoder: encoder) }
        return DialectTurn(turn: turn, encoder: encoder, onFinished: keeping(turn, encoder: encoder, context: context))
    }

    /// Keeps the response once its reply is whole; a failure to keep it is logged, not the client's.
    private func keeping(_ turn: TurnRequest, encoder: ResponsesEncoder, context: GatewayRequestContext) -> @Sendable (TurnReply) async -> Void {
        let (kept, caller, logger) = (kept, context.caller, context.logger)
        return { reply in
            do {
                try await kept.keep(ResponseRecord(turn: turn, reply: reply, body: encoder.response(reply)), id: encoder.id, caller: caller)
            } catch {
                logger.error("Could not keep the response for previous_response_id", metadata: ["error": "\(error)"])
            }
        }
    }

    @Sendable func retrieve(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let record = try await kept.find(try context.parameters.require("id"), caller: context.caller)
        return .json(try ByteBuffer(json: record.body))
    }

    @Sendable func delete(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        try await kept.delete(id, caller: context.caller)
        return .json(try ByteBuffer(json: .object(["id": .string(id), "object": .string("response.deleted"), "deleted": .bool(true)])))
    }
}
