import Hummingbird
import HTTPTypes
import Logging

/// Turns every error that reaches it into a response in its route's `ErrorShape`, so no client ever
/// sees a bare text or a framework default body. Each dialect's routes have one with their shape
/// (`Router.addDialect`), which records it for the request; the one around every route (`shape` nil)
/// answers for the routes of no dialect and for unknown paths by the request's own headers, and gives
/// every Anthropic-shaped answer its `request-id`.
struct ErrorMiddleware: RouterMiddleware {
    var shape: ErrorShape?

    func handle(_ request: Request, context: GatewayRequestContext, next: (Request, GatewayRequestContext) async throws -> Response) async throws -> Response {
        if let shape { context.facts.errorShape = shape }
        var response: Response
        do {
            if request.method == .connect {
                // HTTP/1.1 gives a response to CONNECT no body, and the connection would become a tunnel:
                // the refusal says so in its status and the connection is closed.
                throw EdgeError.connectNotSupported
            }
            response = try await next(request, context)
        } catch {
            let shape = context.facts.errorShape ?? .shared(request)
            response = shape.response(to: error, request: request, logger: context.logger)
            if case .connectNotSupported? = error as? EdgeError { response.headers[.allow] = "GET, POST" }
        }
        if shape == nil, (context.facts.errorShape ?? .shared(request)) == .anthropic {
            response.headers[.anthropicRequestID] = context.id
        }
        return response
    }
}
