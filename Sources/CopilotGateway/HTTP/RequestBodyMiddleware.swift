import Hummingbird

/// Reads the whole body of every API request that has one, under `GATEWAY_MAX_BODY_MB`, its deadline
/// and the memory all bodies may take together and one caller's may (`RequestBodyReader`), before the caller's limits and
/// the route see the request. The body's memory counts against that budget until the route has answered.
struct RequestBodyMiddleware: RouterMiddleware {
    let reader: RequestBodyReader
    let metrics: GatewayMetrics
    /// Gives the memory of large bodies back to the system once they are done with.
    var trimmer = MemoryTrimmer()

    func handle(_ request: Request, context: GatewayRequestContext, next: (Request, GatewayRequestContext) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.method != .head else { return try await next(request, context) }
        var request = request
        let body: RequestBodyReader.Body
        do {
            body = try await reader.read(&request, caller: context.caller)
        } catch {
            metrics.rejected(Self.rejection(error))
            throw error
        }
        defer {
            body.release()
            trimmer.bodyReleased(body.buffer.readableBytes)
        }
        return try await next(request, context)
    }

    static func rejection(_ error: EdgeError) -> GatewayMetrics.Rejection {
        switch error {
        case .bodyTooLarge: .bodyTooLarge
        case .bodyTimedOut: .bodyTimeout
        case .bodyMemoryExhausted, .callersBodyShareExhausted: .bodyMemory
        default: .invalidRequest
        }
    }
}
