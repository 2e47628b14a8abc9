import Synchronization

/// One turn's hold on what it shares with other turns: its place among the turns that may talk to
/// Copilot (`UpstreamGate`) and the directory entry of the conversation it continues. `end()` gives
/// them back, once, when the turn is over. Should a turn be dropped without ending (a stream whose
/// client went away before it began), the ticket ends itself when it goes.
///
/// The caller's own slot (`CallerLimits`) is not the turn's: it covers the whole response, whose last
/// bytes are written after the turn has ended, and the API middleware ends it then.
final class TurnTicket: Sendable {
    private struct Holdings {
        /// The gate of the account the turn holds a place with, while it holds one.
        var place: UpstreamGate?
        /// The directory entry the turn has claimed, while it has one.
        var claim: String?
    }

    private let directory: ConversationDirectory
    private let holdings: Mutex<Holdings>

    init(directory: ConversationDirectory) {
        self.directory = directory
        self.holdings = Mutex(Holdings())
    }

    /// Takes a place in `gate` (an account's), giving back the one held with another account; throws
    /// `TurnError.upstreamBusy` when none comes free in time.
    func enter(_ gate: UpstreamGate, metrics: GatewayMetrics) async throws {
        // One swap: the place held with another account is given back, never twice.
        let held: UpstreamGate? = holdings.withLock { holdings in
            guard holdings.place !== gate else { return gate }
            defer { holdings.place = nil }
            return holdings.place
        }
        if held === gate { return }
        await held?.leave()
        // Waiting for a place among the turns that may talk to Copilot is waiting on Copilot.
        guard await UpstreamWaitMeter.waiting({ await gate.enter() }) else {
            try Task.checkCancellation()
            metrics.rejected(.upstreamBusy)
            throw TurnError.upstreamBusy(limit: gate.limit, waitedSeconds: gate.maxWait.components.seconds)
        }
        holdings.withLock { $0.place = gate }
    }

    /// The directory entry the turn now holds (nil once it has been finished, released or discarded).
    func hold(claim: String?) {
        holdings.withLock { $0.claim = claim }
    }

    /// Gives everything back. A claim still held is discarded: Copilot may have got the turn, so the
    /// recorded history no longer describes the conversation.
    func end() async {
        let (place, claim) = takeAll()
        if let claim { await directory.discard(claim) }
        await place?.leave()
    }

    private func takeAll() -> (UpstreamGate?, String?) {
        holdings.withLock { holdings in
            defer { holdings = Holdings() }
            return (holdings.place, holdings.claim)
        }
    }

    deinit {
        let (place, claim) = takeAll()
        guard place != nil || claim != nil else { return }
        let directory = directory
        Task {
            if let claim { await directory.discard(claim) }
            await place?.leave()
        }
    }
}
