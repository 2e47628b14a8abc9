import Foundation
import Hummingbird
import NIOCore

/// `POST /v1/responses/compact` and `POST /v1/responses/input_tokens`: what the Responses API does with
/// a conversation besides answering it.
extension ResponsesController {
    /// Copilot summarises the conversation; the answer is the compact resource with the sealed summary.
    /// The turn runs like any other (its place among the turns, retries, metrics).
    @Sendable func compact(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let metrics = turns.metrics
        let body: ResponsesConversationRequest
        var turn: TurnRequest
        let entries: [TurnEntry]
        do {
            body = try await conversationBody(of: request, requiringModel: true)
            let previous = try await previousConversation(body, context: context)
            entries = try Compaction.entries(of: body, previous: previous, seal: seal)
            turn = try Compaction.turn(summarising: entries, model: body.model, caller: context.caller)
        } catch {
            metrics.rejected(.invalidRequest)
            throw error
        }
        turn.accounts = context.accounts
        let (turns, logger) = (turns, context.logger)
        let reply = try await relay.whole { [turn] in try await turns.start(turn, logger: logger).run { _ in } }
        metrics.timeToFirstToken(.now - start, stream: false)
        guard reply.finishReason != .contentFilter, !reply.text.isEmpty else { throw Compaction.declined }
        let now = Int(Date().timeIntervalSince1970)
        let sealed = seal.seal(CompactionSeal.Content(summary: reply.text, createdAt: now))
        let usage = TokenUsage(input: turn.estimatedInputTokens, output: reply.usage.output)
        return .json(try ByteBuffer(json: Compaction.resource(id: "resp_" + RandomID.hex(), createdAt: now, entries: entries, sealed: sealed, usage: usage)))
    }

    /// `{"object":"response.input_tokens","input_tokens":n}`: the gateway's estimate for the
    /// instructions and the conversation, as `count_tokens` gives it for the Messages API.
    @Sendable func inputTokens(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let body = try await conversationBody(of: request, requiringModel: false)
        let previous = try await previousConversation(body, context: context)
        let entries = try ResponsesRequest.entries(of: body.input, after: previous?.entries ?? [], seal: seal)
        let texts = [body.instructions ?? previous?.instructions ?? ""] + entries.compactMap(Transcript.text(of:))
        let count = JSONValue.object(["object": .string("response.input_tokens"), "input_tokens": .number(Double(TokenEstimator.estimate(texts)))])
        return .json(try ByteBuffer(json: count))
    }

    private func conversationBody(of request: Request, requiringModel: Bool) async throws -> ResponsesConversationRequest {
        do {
            return try await request.decodeJSONBody(
                as: ResponsesConversationRequest.self, what: "a valid Responses API request",
                rules: ResponsesConversationRequest.fieldRules(requiringModel: requiringModel))
        } catch let problem as JSONBody.Problem {
            throw OpenAIError(problem)
        }
    }

    private func previousConversation(_ body: ResponsesConversationRequest, context: GatewayRequestContext) async throws -> KeptConversation? {
        guard let id = body.previousResponseID else { return nil }
        return try await kept.conversation(continuing: id, caller: context.caller)
    }
}
