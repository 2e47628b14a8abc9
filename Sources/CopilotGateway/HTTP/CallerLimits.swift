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

    private struct Entry {
        var running = 0
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
    }

    let settings: Settings
    private let usage = Mutex<[String: Entry]>([:])

    public init(_ settings: Settings) {
        self.settings = settings
    }

    /// Admits one request of `caller` (counting it as running until `release`), or says why not.
    public func admit(_ caller: String, now: ContinuousClock.Instant = .now) -> Decision {
        let settings = settings
        return usage.withLock { usage in
            var entry = usage[caller] ?? Entry(tokens: Double(settings.perMinute), refilledAt: now)
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
