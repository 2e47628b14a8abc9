import Hummingbird
import Synchronization

/// Applies `CallerLimits` to every request of the APIs: 429 with `Retry-After` when a caller has too
/// many requests running or has used its minute's share. It runs after `RequestBodyMiddleware`, so a
/// request is admitted only once its whole body has arrived, and a slow client holds no place while it sends.
struct CallerLimitMiddleware: RouterMiddleware {
    let limits: CallerLimits
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: GatewayRequestContext, next: (Request, GatewayRequestContext) async throws -> Response) async throws -> Response {
        switch limits.admit(context.caller) {
        case .admitted:
            break
        case .tooManyConcurrent:
            metrics.rejected(.tooManyConcurrent)
            throw EdgeError.tooManyConcurrent(limit: limits.settings.maxConcurrent)
        case .rateLimited(let retryAfter):
            metrics.rejected(.rateLimited)
            throw EdgeError.rateLimited(perMinute: limits.settings.perMinute, retryAfter: retryAfter)
        }
        let admission = Admission(limits: limits, caller: context.caller)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            admission.end()
            throw error
        }
        let body = response.body
        // A stream counts as running until its body has been written.
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { admission.end() }
            try await body.write(writer)
        }
        return response
    }
}

/// One admitted request's place among its caller's running requests, given back once: by `end()`
/// once its response (a stream's body included) has been written or has failed, or when it is dropped
/// unwritten.
private final class Admission: Sendable {
    let limits: CallerLimits
    let caller: String
    private let held = Mutex(true)

    init(limits: CallerLimits, caller: String) {
        self.limits = limits
        self.caller = caller
    }

    func end() {
        guard held.withLock({ held in defer { held = false }; return held }) else { return }
        limits.release(caller)
    }

    deinit { end() }
}
