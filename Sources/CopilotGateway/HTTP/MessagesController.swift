import HTTPTypes
import Hummingbird
import Logging
import NIOCore

import Foundation

/// `POST /v1/messages` (the Anthropic Messages API), whole or as server-sent events, and
/// `POST /v1/messages/count_tokens`: the Messages decoder makes a neutral turn, the turn pipeline
/// runs it, and the Messages encoder writes the reply. Errors are Anthropic-shaped (`ErrorMiddleware`).
struct MessagesController: Sendable {
    let turns: TurnPipeline
    let relay: ReplyRelay
    var metrics: GatewayMetrics { turns.metrics }

    func addRoutes(to router: some RouterMethods<GatewayRequestContext>) {
        for prefix in ["/v1", ""] {
            router.post("\(prefix)/messages", use: handle)
            router.post("\(prefix)/messages/count_tokens", use: countTokens)
        }
    }

    @Sendable func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let turn: TurnRequest
        do {
            let messages = try await Self.decode(request)
            context.facts.isStream = messages.stream
            turn = try messages.turnRequest(caller: context.caller, session: request.headers[HTTPField.Name("x-claude-code-session-id")!])
        } catch {
            metrics.rejected(.invalidRequest)
            throw error
        }
        let (turns, encoder) = (turns, MessagesEncoder(model: turn.model, estimatedInputTokens: Self.estimatedInputTokens(turn)))
        if turn.stream {
            let started = try await turns.start(turn)
            return EventStreamResponse(started: started, encoder: encoder, relay: relay, metrics: metrics, logger: context.logger, start: start)
                .response
        }
        let reply = try await relay.whole { try await turns.start(turn).run { _ in } }
        metrics.timeToFirstToken(.now - start, stream: false)
        return try encoder.message(reply).response(from: request, context: context)
    }

    /// `{"input_tokens": n}`: the gateway's estimate for the system prompt, the messages and the tools.
    @Sendable func countTokens(_ request: Request, context: GatewayRequestContext) async throws -> TokenCount {
        let messages = try await Self.decode(request)
        var texts: [String] = messages.system.map(\.text)
        for message in messages.messages {
            if message.role == .system { texts.append(MessagesRequest.text(of: message)) }
            texts += MessagesRequest.entries(of: message).compactMap(Transcript.text(of:))
        }
        for tool in messages.tools {
            texts += [tool.name ?? "", tool.description ?? "", tool.inputSchema?.compactText ?? ""]
        }
        return TokenCount(inputTokens: TokenEstimator.estimate(texts))
    }

    /// What Copilot will be sent, estimated before it is (the stream's `message_start` needs a count).
    static func estimatedInputTokens(_ turn: TurnRequest) -> Int {
        TokenEstimator.estimate([turn.instructions ?? "", turn.prompt] + turn.reminders + turn.historyLines.map(\.text))
    }

    /// The body as a Messages request, or a 400 in Anthropic's shape that says what is wrong.
    static func decode(_ request: Request) async throws -> MessagesRequest {
        do {
            return try await request.decodeJSONBody(as: MessagesRequest.self, what: "a valid Messages API request")
        } catch let problem as JSONBody.Problem {
            throw AnthropicError.invalidRequest(problem.message)
        }
    }
}

/// `POST /v1/messages/count_tokens`.
struct TokenCount: ResponseEncodable {
    var inputTokens: Int
    enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens" }
}

extension AnthropicMessage: ResponseGenerator {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        try json.response(from: request, context: context)
    }
}
