import Hummingbird

/// Counts every answered request by route pattern (never the raw path, so ids cannot blow up the
/// series), status and stream/non-stream, and times it to the end of its body; of that time, what
/// was not spent waiting on Copilot (``UpstreamWaitMeter``) is the gateway's own overhead.
struct RouteMetricsMiddleware: RouterMiddleware {
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
