import Synchronization

/// The memory all request bodies being read may take together, and what one caller's may take of it.
/// Bodies are read whole before their request is admitted to its caller's limits, so without this
/// bound many connections that each send a large body could hold many times `GATEWAY_MAX_BODY_MB` at
/// once; without a caller's share, one API key holding bodies it never finishes would leave no room
/// for any other key. A slow client holds only what it has sent.
final class BodyBudget: Sendable {
    let capacity: Int
    /// What the bodies of one caller (an API key, or every client when there are none) may take.
    let share: Int
    private let state = Mutex(State())

    private struct State {
        var used = 0
        var byCaller: [String: Int] = [:]
    }

    /// Why bytes were not taken.
    enum Refusal: Equatable, Error {
        /// All bodies together already take the capacity.
        case full
        /// The caller's bodies already take its share.
        case callersShare
    }

    /// `share` defaults to a quarter of the capacity: two of the largest bodies by default.
    init(capacity: Int, share: Int? = nil) {
        self.capacity = capacity
        self.share = min(capacity, share ?? max(1, capacity / 4))
    }

    /// Takes `bytes` for `caller`; nothing is taken when they do not fit.
    func reserve(_ bytes: Int, for caller: String) -> Refusal? {
        state.withLock { state in
            let callers = state.byCaller[caller, default: 0]
            guard callers + bytes <= share else { return .callersShare }
            guard state.used + bytes <= capacity else { return .full }
            state.used += bytes
            state.byCaller[caller] = callers + bytes
            return nil
        }
    }

    func release(_ bytes: Int, for caller: String) {
        state.withLock { state in
            state.used = max(0, state.used - bytes)
            let left = state.byCaller[caller, default: 0] - bytes
            state.byCaller[caller] = left > 0 ? left : nil
        }
    }

    /// Bytes taken now, in all and by `caller`.
    var inUse: Int { state.withLock { $0.used } }
    func inUse(by caller: String) -> Int { state.withLock { $0.byCaller[caller, default: 0] } }
}
