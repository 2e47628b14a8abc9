import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id, taken from the client's `X-Request-Id` when it sends a sensible one
/// (else Hummingbird's own), and returns it in `X-Request-Id`. Every log line of the request carries it
/// once, under Hummingbird's key `hb.request.id`. (Anthropic's `request-id` is `ErrorMiddleware`'s.)
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let offered = request.headers[Self.header].flatMap { $0.count <= 128 && $0.allSatisfy { $0.isASCII && !$0.isWhitespace } ? $0 : nil }
        var context = context
        if let offered { context.logger[metadataKey: "hb.request.id"] = .string(offered) }
        let id = context.id
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }
}
