import HTTPTypes
import Hummingbird

/// `POST /v1/messages` (the Anthropic Messages API), whole or as server-sent events, and
/// `POST /v1/messages/count_tokens`: the Messages decoder makes a neutral turn, `TurnRoute` runs it,
/// and the Messages encoder writes the reply. Every error on these routes is Anthropic-shaped.
struct MessagesController: APIRoutes, TurnDialect {
    static let errorShape: ErrorShape? = .anthropic
    static let bodyDescription = "a valid Messages API request"
    static var fieldRules: [FieldRule] { MessagesRequest.fieldRules }
    let turns: TurnPipeline
    let relay: ReplyRelay

    func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
        let route = TurnRoute(dialect: self, turns: turns, relay: relay)
        for prefix in ["/v1", ""] {
            group.post("\(prefix)/messages", use: route.handle)
            group.post("\(prefix)/messages/count_tokens", use: countTokens)
        }
    }

    static func refusal(_ problem: JSONBody.Problem) -> any Error { AnthropicError(problem) }

    static func asksToStream(_ body: MessagesRequest) -> Bool { body.stream }

    func turn(_ body: MessagesRequest, request: Request, context: GatewayRequestContext) throws -> DialectTurn<MessagesEncoder> {
        let turn = try body.turnRequest(caller: context.caller, session: request.headers[.claudeCodeSession])
        var encoder = MessagesEncoder(model: turn.model, estimatedInputTokens: turn.estimatedInputTokens)
        encoder.requestID = context.id
        return DialectTurn(turn: turn, encoder: encoder)
    }

    /// `{"input_tokens": n}`: the gateway's estimate for the system prompt, the messages and the tools.
    @Sendable func countTokens(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        .json(try ByteBuffer(json: try await body(of: request).tokenCount))
    }
}

extension HTTPField.Name {
    /// Claude Code's session id.
    static let claudeCodeSession = HTTPField.Name("x-claude-code-session-id")!
}
