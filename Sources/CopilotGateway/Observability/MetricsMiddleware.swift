import CoreMetrics
import Hummingbird
import HTTPTypes
import NIOCore

/// Counts every answered request by route pattern (never the raw path, so ids cannot blow up the
/// series), status and stream/non-stream, and times it to the end of its body; of that time, what
/// was not spent waiting on Copilot (``UpstreamWaitMeter``) is the gateway's own overhead.
struct MetricsMiddleware: RouterMiddleware {
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: GatewayRequestContext, next: (Request, GatewayRequestContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let waits = UpstreamWaitMeter()
        var response = try await UpstreamWaitMeter.$current.withValue(waits) { try await next(request, context) }
        let route = context.endpointPath ?? "unmatched"
        let status = Int(response.status.code)
        let facts = context.facts
        let metrics = metrics
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer {
                let duration = ContinuousClock.now - start
                metrics.request(route: route, status: status, stream: facts.isStream, duration: duration)
                metrics.overhead(route: route, stream: facts.isStream, duration: max(.zero, duration - waits.total))
            }
            try await UpstreamWaitMeter.$current.withValue(waits) { try await body.write(writer) }
        }
        return response
    }
}

/// `GET /metrics`: the Prometheus text format, for the admin key only (see `AdminAccess`: a loopback
/// address proves nothing behind a proxy or a tunnel).
struct MetricsController: Sendable {
    let metrics: GatewayMetrics
    let directory: ConversationDirectory
    let gate: UpstreamGate
    let access: AdminAccess

    func addRoutes(to router: some RouterMethods<GatewayRequestContext>) {
        router.get("/metrics", use: render)
    }

    @Sendable func render(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        guard access.presentsAdminKey(request) else {
            throw OpenAIError(
                status: .forbidden,
                message: access.adminKey == nil
                    ? "/metrics needs the admin key, and none is set: set GATEWAY_ADMIN_KEY (16 characters or more) and send it as `Authorization: Bearer <key>`."
                    : "/metrics needs the admin key (GATEWAY_ADMIN_KEY) as `Authorization: Bearer <key>`.",
                type: "invalid_request_error", code: "admin_key_required")
        }
        metrics.conversationsTracked.set(await directory.count)
        metrics.upstreamWaiting.set(await gate.waiting)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
