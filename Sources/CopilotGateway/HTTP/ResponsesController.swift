import Foundation
import Hummingbird
import Logging
import NIOCore

/// The OpenAI Responses API: `POST /v1/responses`, whole or as server-sent events (the Responses
/// decoder makes a neutral turn, `TurnRoute` runs it, the Responses encoder writes the reply), and
/// `GET` and `DELETE /v1/responses/{id}` for the responses kept (`KeptResponses`), which
/// `previous_response_id` continues from; `POST /v1/responses/compact` and `/input_tokens`
/// (`ResponsesController+Conversation.swift`).
struct ResponsesController: APIRoutes, TurnDialect {
    static let errorShape: ErrorShape? = .openAI
    static let bodyDescription = "a valid Responses API request"
    static var fieldRules: [FieldRule] { ResponsesRequest.fieldRules }
    let turns: TurnPipeline
    let relay: ReplyRelay
    let kept: KeptResponses
    /// Seals and opens compaction items.
    let seal: CompactionSeal

    func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
        let route = TurnRoute(dialect: self, turns: turns, relay: relay)
        for prefix in ["/v1", ""] {
            group.post("\(prefix)/responses", use: route.handle)
            group.post("\(prefix)/responses/compact", use: compact)
            group.post("\(prefix)/responses/input_tokens", use: inputTokens)
            group.get("\(prefix)/responses/{id}", use: retrieve)
            group.delete("\(prefix)/responses/{id}", use: delete)
        }
    }

    static func refusal(_ problem: JSONBody.Problem) -> any Error { OpenAIError(problem) }

    static func asksToStream(_ body: ResponsesRequest) -> Bool { body.stream }

    func turn(_ body: ResponsesRequest, request: Request, context: GatewayRequestContext) async throws -> DialectTurn<ResponsesEncoder> {
        var previous: KeptConversation?
        if let id = body.previousResponseID { previous = try await kept.conversation(continuing: id, caller: context.caller) }
        let turn = try body.turnRequest(caller: context.caller, previous: previous, seal: seal)
        let encoder = ResponsesEncoder(model: turn.model, echoed: body.echoed, customTools: body.customToolNames)
        guard body.store else { return DialectTurn(turn: turn, encoder: encoder) }
        return DialectTurn(turn: turn, encoder: encoder, onFinished: keeping(turn, continuing: previous, context: context))
    }

    /// Keeps the response once its reply is whole; one too large to keep ends with `store: false`, and
    /// a failure to keep it is logged, not the client's.
    private func keeping(_ turn: TurnRequest, continuing previous: KeptConversation?, context: GatewayRequestContext)
        -> @Sendable (TurnReply, inout ResponsesEncoder) async -> Void
    {
        let (kept, caller, logger) = (kept, context.caller, context.logger)
        return { reply, encoder in
            encoder.completedAt = Int(Date().timeIntervalSince1970)
            do {
                let record = ResponseRecord(turn: turn, reply: reply, after: previous?.entries.count ?? 0)
                let body = try ByteBuffer(json: encoder.response(reply))
                encoder.isKept = try await kept.keep(record, body: body, id: encoder.id, caller: caller, continuing: previous)
                if !encoder.isKept {
                    logger.notice("Did not keep a response larger than an API key may keep", metadata: ["bytes": "\(body.readableBytes)"])
                }
            } catch {
                encoder.isKept = false
                logger.error("Could not keep the response for previous_response_id", metadata: ["error": "\(error)"])
            }
        }
    }

    @Sendable func retrieve(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        .json(try await kept.body(of: try context.parameters.require("id"), caller: context.caller))
    }

    @Sendable func delete(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        try await kept.delete(id, caller: context.caller)
        return .json(try ByteBuffer(json: .object(["id": .string(id), "object": .string("response.deleted"), "deleted": .bool(true)])))
    }
}
