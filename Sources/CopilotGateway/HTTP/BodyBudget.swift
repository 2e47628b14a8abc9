import Synchronization

/// The memory all request bodies being read may take together. Bodies are read whole before their
/// request is admitted to its caller's limits, so without this bound many connections that each send
/// a large body could hold many times `GATEWAY_MAX_BODY_MB` at once. A slow client holds only what it
/// has sent, so a few drippers cannot starve the others.
final class BodyBudget: Sendable {
    let capacity: Int
    private let used = Mutex(0)

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Takes `bytes` from the budget; false (and nothing taken) when they do not fit.
    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used + bytes <= capacity else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) {
        used.withLock { $0 = max(0, $0 - bytes) }
    }

    /// Bytes taken now.
    var inUse: Int { used.withLock { $0 } }
}
