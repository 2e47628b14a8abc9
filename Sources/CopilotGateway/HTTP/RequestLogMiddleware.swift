import Hummingbird
import Logging

/// Logs each request at `debug`: its method and path, never its query string, which is where some
/// clients put an API key (`?api_key=…`), nor its headers or body.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.logger.logLevel <= .debug {
            var metadata: Logger.Metadata = ["http.method": .string(request.method.rawValue), "http.path": .string(request.uri.path)]
            if request.uri.query?.isEmpty == false { metadata["http.query"] = "(not logged)" }
            context.logger.debug("Request", metadata: metadata)
        }
        return try await next(request, context)
    }
}
