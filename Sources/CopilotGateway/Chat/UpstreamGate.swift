/// At most `limit` turns talk to Copilot at once for one Microsoft account: Copilot throttles a
/// user who asks too much at once, and a queue here is kinder than its 429s. Turns beyond the limit
/// wait in order, for `maxWait` at most; then they are answered 429.
actor UpstreamGate {
    let limit: Int
    let maxWait: Duration
    private var running = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
    private var timers: [UInt64: Task<Void, Never>] = [:]
    private var nextID: UInt64 = 0

    init(limit: Int, maxWait: Duration) {
        self.limit = max(1, limit)
        self.maxWait = maxWait
    }

    /// Turns waiting for a place now.
    var waiting: Int { waiters.count }

    /// Places taken now.
    var inUse: Int { running }

    /// Waits for a place; true once the caller holds one (give it back with `leave`), false when the wait
    /// ran out or the task was cancelled. A `TurnTicket` holds the place.
    func enter() async -> Bool {
        if running < limit, waiters.isEmpty {
            running += 1
            return true
        }
        guard maxWait > .zero else { return false }
        nextID += 1
        let id = nextID
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.append((id, continuation))
                timers[id] = Task { [maxWait] in
                    try? await Task.sleep(for: maxWait)
                    self.giveUp(id)
                }
            }
        } onCancel: {
            Task { await self.giveUp(id) }
        }
    }

    /// Gives a place back; the longest waiter takes it over.
    func leave() {
        if waiters.isEmpty {
            running = max(0, running - 1)
            return
        }
        let next = waiters.removeFirst()
        timers.removeValue(forKey: next.id)?.cancel()
        next.continuation.resume(returning: true)
    }

    private func giveUp(_ id: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: index)
        timers.removeValue(forKey: id)?.cancel()
        waiter.continuation.resume(returning: false)
    }
}
