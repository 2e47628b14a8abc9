import Synchronization

/// The time one client request spends waiting on Copilot: for a place among the turns that may talk
/// to it, for the status line of each call to Graph and for each piece of a streamed reply. What is
/// left of the request's time is the gateway's own (`copilot_gateway_overhead_seconds`).
///
/// The meter of the request being served is a task-local value, so that the upstream client, deep
/// below the route, adds to it without every layer passing it along; child tasks inherit it.
final class UpstreamWaitMeter: Sendable {
    @TaskLocal static var current: UpstreamWaitMeter?

    private let waited = Mutex<Duration>(.zero)

    var total: Duration { waited.withLock { $0 } }

    func add(_ duration: Duration) {
        waited.withLock { $0 += duration }
    }

    /// Runs `operation`, counting its time as waiting on Copilot for the current request, if any.
    static func waiting<T>(_ operation: () async throws -> T) async rethrows -> T {
        guard let meter = current else { return try await operation() }
        let start = ContinuousClock.now
        defer { meter.add(.now - start) }
        return try await operation()
    }
}
