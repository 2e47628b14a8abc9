import CoreMetrics
import Metrics
import Prometheus

/// The gateway's metrics, recorded through swift-metrics into one Prometheus registry that
/// `GET /metrics` renders. The factory is passed in, never bootstrapped globally, so every server
/// (and every test) has its own.
public struct GatewayMetrics: Sendable {
    /// Why a request was turned away before it reached Copilot.
    public enum Rejection: String, Sendable, CaseIterable {
        case invalidAPIKey = "invalid_api_key"
        case rateLimited = "rate_limited"
        case tooManyConcurrent = "concurrency_limit"
        case upstreamBusy = "upstream_busy"
        case bodyTooLarge = "body_too_large"
        case bodyTimeout = "body_timeout"
        case bodyMemory = "body_memory"
        case invalidRequest = "invalid_request"
    }

    /// How a started stream ended.
    public enum StreamEnd: String, Sendable {
        case completed, failed
        case clientGone = "client_gone"
        case shutdown
    }

    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let activeStreams: Meter
    let conversationsTracked: Meter
    let upstreamWaiting: Meter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        // Copilot answers in seconds, the gateway in microseconds: both ends need buckets.
        let latencyBuckets: [Duration] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(20), .seconds(40), .seconds(80),
        ]
        factory.defaultDurationHistogramBuckets = latencyBuckets
        // The gateway's own share of a request is micro- to milliseconds.
        factory.durationHistogramBuckets["copilot_gateway_overhead_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        activeStreams = Meter(label: "copilot_gateway_active_streams", factory: factory)
        conversationsTracked = Meter(label: "copilot_gateway_conversations_tracked", factory: factory)
        upstreamWaiting = Meter(label: "copilot_gateway_upstream_queue_waiting", factory: factory)
        activeStreams.set(0)
        conversationsTracked.set(0)
        upstreamWaiting.set(0)
    }

    /// One answered request: its route (the matched pattern, not the raw path), status and kind.
    func request(route: String, status: Int, stream: Bool, duration: Duration) {
        let dimensions = [("route", route), ("status", String(status)), ("stream", stream ? "true" : "false")]
        Counter(label: "copilot_gateway_requests_total", dimensions: dimensions, factory: factory).increment()
        Timer(label: "copilot_gateway_request_duration_seconds", dimensions: [("route", route), ("stream", stream ? "true" : "false")], factory: factory)
            .record(duration: duration)
    }

    /// The part of a request's time the gateway spent on its own work: the request's duration to the
    /// end of its body, less the time it waited on Copilot (a place among the turns that may talk to it,
    /// the status line of each call to Graph, each piece of a streamed reply). A client that reads slowly
    /// counts as the gateway's time.
    func overhead(route: String, stream: Bool, duration: Duration) {
        Timer(label: "copilot_gateway_overhead_seconds", dimensions: [("route", route), ("stream", stream ? "true" : "false")], factory: factory)
            .record(duration: duration)
    }

    func rejected(_ reason: Rejection) {
        Counter(label: "copilot_gateway_rejected_requests_total", dimensions: [("reason", reason.rawValue)], factory: factory).increment()
    }

    /// One call to Copilot (`create`, `chat` or `stream`) by `account`, from sending it to its status line.
    func upstreamCall(_ call: String, account: String, status: String, duration: Duration) {
        Timer(
            label: "copilot_gateway_upstream_duration_seconds", dimensions: [("account", account), ("call", call), ("status", status)],
            factory: factory
        ).record(duration: duration)
    }

    /// A turn that `account` served to its end (`completed`) or that failed on it (`failed`).
    func turn(account: String, outcome: String) {
        Counter(label: "copilot_gateway_turns_total", dimensions: [("account", account), ("outcome", outcome)], factory: factory).increment()
    }

    /// A turn moved from one account to another before any of its text reached the client.
    func failover(from: String, to: String, reason: String) {
        Counter(
            label: "copilot_gateway_account_failovers_total", dimensions: [("from", from), ("to", to), ("reason", reason)], factory: factory
        ).increment()
    }

    /// Copilot throttled `account`, which rests for `seconds`.
    func throttled(account: String, seconds: Double) {
        Counter(label: "copilot_gateway_account_throttled_seconds_total", dimensions: [("account", account)], factory: factory)
            .increment(by: max(0, Int64(seconds.rounded(.up))))
    }

    /// An account's state as `/metrics` is read: signed in or not, resting or not, and its access
    /// token's expiry (seconds since 1970; 0 when unknown).
    func account(_ name: String, api: String, signedIn: Bool, resting: Bool, tokenExpiry: Double?) {
        Meter(label: "copilot_gateway_account_signed_in", dimensions: [("account", name), ("upstream", api)], factory: factory)
            .set(signedIn ? 1 : 0)
        Meter(label: "copilot_gateway_account_resting", dimensions: [("account", name)], factory: factory).set(resting ? 1 : 0)
        Meter(label: "copilot_gateway_account_token_expiry_timestamp_seconds", dimensions: [("account", name)], factory: factory)
            .set(tokenExpiry ?? 0)
    }

    /// From the client's request to the first piece of the reply it gets.
    func timeToFirstToken(_ duration: Duration, stream: Bool) {
        Timer(label: "copilot_gateway_time_to_first_token_seconds", dimensions: [("stream", stream ? "true" : "false")], factory: factory)
            .record(duration: duration)
    }

    func retried(_ reason: String) {
        Counter(label: "copilot_gateway_upstream_retries_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    func tokenRefresh(succeeded: Bool) {
        Counter(label: "copilot_gateway_token_refreshes_total", dimensions: [("outcome", succeeded ? "success" : "failure")], factory: factory)
            .increment()
    }

    func streamStarted() { activeStreams.increment() }

    func streamEnded(_ end: StreamEnd) {
        activeStreams.decrement()
        Counter(label: "copilot_gateway_streams_total", dimensions: [("outcome", end.rawValue)], factory: factory).increment()
    }

    /// The Prometheus text exposition of every series.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
