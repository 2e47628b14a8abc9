import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id, taken from the client's `X-Request-Id` when it sends a sensible one,
/// puts it in every log line of the request (`request.id`) and returns it in `X-Request-Id`.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    static var header: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let offered = request.headers[Self.header].flatMap { $0.count <= 128 && $0.allSatisfy { $0.isASCII && !$0.isWhitespace } ? $0 : nil }
        let id = offered ?? context.id
        var context = context
        context.logger[metadataKey: "request.id"] = .string(id)
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }
}
