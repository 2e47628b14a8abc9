import Hummingbird

/// `POST /v1/chat/completions`, whole or as server-sent events: the Chat Completions decoder makes a
/// neutral turn, `TurnRoute` runs it, and the Chat Completions encoder writes the reply.
struct ChatCompletionsController: APIRoutes, TurnDialect {
    static let errorShape: ErrorShape? = .openAI
    static let bodyDescription = "a valid chat completion request"
    static var fieldRules: [FieldRule] { ChatCompletionRequest.fieldRules }
    let turns: TurnPipeline
    let relay: ReplyRelay

    func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
        let route = TurnRoute(dialect: self, turns: turns, relay: relay)
        group.post("/v1/chat/completions", use: route.handle)
        group.post("/chat/completions", use: route.handle)
    }

    static func refusal(_ problem: JSONBody.Problem) -> any Error { OpenAIError(problem) }

    static func asksToStream(_ body: ChatCompletionRequest) -> Bool { body.stream == true }

    func turn(_ body: ChatCompletionRequest, request: Request, context: GatewayRequestContext) throws -> DialectTurn<ChatCompletionEncoder> {
        let turn = try body.turnRequest(caller: context.caller, headers: request.headers)
        return DialectTurn(turn: turn, encoder: ChatCompletionEncoder(model: turn.model, includeUsage: body.includeUsage))
    }
}
