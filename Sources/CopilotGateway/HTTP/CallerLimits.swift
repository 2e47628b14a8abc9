import Hummingbird
import HTTPTypes
import Synchronization

/// Each caller's share of the gateway: how many of its requests may run at once, and how many may
/// start per minute (a token bucket that refills continuously, so a burst of a minute's worth is fine).
/// A caller is an API key (or everyone, when no keys are configured).
public final class CallerLimits: Sendable {
    public struct Settings: Sendable {
        /// Requests of one caller running at once; zero: no limit.
        public var maxConcurrent: Int
        /// Requests one caller may start per minute; zero: no limit.
        public var perMinute: Int

        public init(maxConcurrent: Int, perMinute: Int) {
            self.maxConcurrent = maxConcurrent
            self.perMinute = perMinute
        }
    }

    public enum Decision: Equatable, Sendable {
        case admitted
        case tooManyConcurrent
        /// Seconds until the caller's next request would be admitted.
        case rateLimited(retryAfter: Int)
    }

    private struct Usage {
        var running = 0
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
    }

    let settings: Settings
    private let usage = Mutex<[String: Usage]>([:])

    public init(_ settings: Settings) {
        self.settings = settings
    }

    /// Admits one request of `caller` (counting it as running until `release`), or says why not.
    public func admit(_ caller: String, now: ContinuousClock.Instant = .now) -> Decision {
        let settings = settings
        return usage.withLock { usage in
            var entry = usage[caller] ?? Usage(tokens: Double(settings.perMinute), refilledAt: now)
            if settings.maxConcurrent > 0, entry.running >= settings.maxConcurrent { return .tooManyConcurrent }
            if settings.perMinute > 0 {
                let perSecond = Double(settings.perMinute) / 60
                let elapsed = now - entry.refilledAt
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                entry.tokens = min(Double(settings.perMinute), entry.tokens + seconds * perSecond)
                entry.refilledAt = now
                guard entry.tokens >= 1 else {
                    usage[caller] = entry
                    return .rateLimited(retryAfter: max(1, Int(((1 - entry.tokens) / perSecond).rounded(.up))))
                }
                entry.tokens -= 1
            }
            entry.running += 1
            usage[caller] = entry
            return .admitted
        }
    }

    /// Ends one running request of `caller`.
    public func release(_ caller: String) {
        usage.withLock { usage in
            guard var entry = usage[caller] else { return }
            entry.running = max(0, entry.running - 1)
            usage[caller] = entry
        }
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

/// Applies `CallerLimits` to every request of the OpenAI API: 429 with `Retry-After` when a caller has too
/// many requests running or has used its minute's share. A request is admitted only once its whole
/// body has arrived (see `RequestBodyReader`), so a slow client holds no place while it sends.
struct CallerLimitMiddleware: RouterMiddleware {
    let limits: CallerLimits
    let body: RequestBodyReader
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: GatewayRequestContext, next: (Request, GatewayRequestContext) async throws -> Response) async throws -> Response {
        var request = request
        var read: RequestBodyReader.Body?
        if request.method != .get, request.method != .head {
            do {
                read = try await body.read(&request)
            } catch {
                let reason: GatewayMetrics.Rejection = switch error.status {
                case .contentTooLarge: .bodyTooLarge
                case .requestTimeout: .bodyTimeout
                case .serviceUnavailable: .bodyMemory
                default: .invalidRequest
                }
                metrics.rejected(reason)
                throw error
            }
        }
        // The body's memory counts against the budget until the handler has answered.
        defer { read?.release() }
        switch limits.admit(context.caller) {
        case .admitted:
            break
        case .tooManyConcurrent:
            metrics.rejected(.tooManyConcurrent)
            throw OpenAIError(
                status: .tooManyRequests,
                message: "Too many requests at once for this API key (at most \(limits.settings.maxConcurrent), GATEWAY_MAX_CONCURRENT_PER_KEY). Wait for one to finish.",
                type: "rate_limit_error", code: "concurrency_limit_exceeded", retryAfter: 1)
        case .rateLimited(let retryAfter):
            metrics.rejected(.rateLimited)
            throw OpenAIError(
                status: .tooManyRequests,
                message: "Rate limit reached for this API key: \(limits.settings.perMinute) requests per minute (GATEWAY_REQUESTS_PER_MINUTE). Try again in \(retryAfter) s.",
                type: "rate_limit_error", code: "rate_limit_exceeded", retryAfter: retryAfter)
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
