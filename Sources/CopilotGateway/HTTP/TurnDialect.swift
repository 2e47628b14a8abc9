import Hummingbird

/// What a dialect gives the one route that runs its turns (`TurnRoute`): the wire request its body
/// decodes to, and how that becomes the neutral turn with the encoder of its reply.
protocol TurnDialect: Sendable {
    associatedtype Body: Decodable & Sendable
    associatedtype Encoder: ReplyEncoder
    /// What a body must be, for the error when it is not ("a valid chat completion request").
    static var bodyDescription: String { get }
    /// The documented request fields' types and ranges, checked before the body is read as `Body`.
    static var fieldRules: [FieldRule] { get }
    /// A body that is not one, in the dialect's own error.
    static func refusal(_ problem: JSONBody.Problem) -> any Error
    /// Whether the request asks for a stream (known before the turn is made, for the metrics).
    static func asksToStream(_ body: Body) -> Bool
    /// The turn the request asks for; a request that is not a valid one throws the dialect's own error.
    func turn(_ body: Body, request: Request, context: GatewayRequestContext) async throws -> DialectTurn<Encoder>
}

/// A decoded request: the neutral turn, the encoder of its reply, and what runs once the reply is
/// whole, before its end is encoded (the Responses API keeps the response there, and has its encoder
/// say when it was not kept).
struct DialectTurn<Encoder: ReplyEncoder>: Sendable {
    var turn: TurnRequest
    var encoder: Encoder
    var onFinished: @Sendable (TurnReply, inout Encoder) async -> Void = { _, _ in }
}

extension TurnDialect {
    /// The request's body as the dialect's wire request, or the dialect's own 400.
    func body(of request: Request) async throws -> Body {
        do {
            return try await request.decodeJSONBody(as: Body.self, what: Self.bodyDescription, rules: Self.fieldRules)
        } catch let problem as JSONBody.Problem {
            throw Self.refusal(problem)
        }
    }
}
