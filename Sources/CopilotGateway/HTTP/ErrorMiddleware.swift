import Hummingbird
import HTTPTypes
import Logging

/// Turns every error that reaches it into a response in its route's `ErrorShape`, so no client ever
/// sees a bare text or a framework default body. Each dialect's routes have one with their shape
/// (`Router.addAPI`), which records it for the request. The one around every route (`shape` nil)
/// answers for the rest: a dialect's path that no route took (a wrong method) in that dialect's
/// shape (`RouteShapes`), the routes of no dialect and unknown paths by the request's own headers;
/// it also gives every Anthropic-shaped answer its `request-id`. CONNECT is refused in OpenAI's shape.
struct ErrorMiddleware: RouterMiddleware {
    var shape: ErrorShape?
    let shapes: RouteShapes

    func handle(_ request: Request, context: GatewayRequestContext, next: (Request, GatewayRequestContext) async throws -> Response) async throws -> Response {
        if let shape { context.facts.errorShape = shape }
        var response: Response
        do {
            if request.method == .connect {
                // HTTP/1.1 gives a response to CONNECT no body, and the connection would become a tunnel:
                // the refusal says so in its status and the connection is closed.
                var refusal = ErrorShape.openAI.response(
                    to: EdgeError.connectNotSupported, request: request, requestID: context.id, logger: context.logger)
                refusal.headers[.allow] = "GET, POST"
                response = refusal
            } else {
                response = try await next(request, context)
            }
        } catch {
            // The router's own miss on a served path (a handler's 404 comes with the path's own method).
            let served = (error as? any HTTPResponseError)?.status == .notFound ? shapes.methods(ofPath: request.uri.path) : []
            let allowed = served.contains(request.method.rawValue) ? [] : served
            if allowed.isEmpty {
                response = routeShape(request, context).response(to: error, request: request, requestID: context.id, logger: context.logger)
            } else {
                let wrongMethod = EdgeError.methodNotAllowed(method: request.method.rawValue, path: request.uri.path, allowed: allowed)
                response = routeShape(request, context).response(to: wrongMethod, request: request, requestID: context.id, logger: context.logger)
                response.headers[.allow] = allowed.joined(separator: ", ")
            }
        }
        if shape == nil, routeShape(request, context) == .anthropic {
            response.headers[.anthropicRequestID] = context.id
        }
        return response
    }

    /// The shape of the request's route: its dialect's, the dialect's that serves its path, or the
    /// request's own headers'.
    private func routeShape(_ request: Request, _ context: GatewayRequestContext) -> ErrorShape {
        context.facts.errorShape ?? shapes.shape(ofPath: request.uri.path) ?? .shared(request)
    }
}
