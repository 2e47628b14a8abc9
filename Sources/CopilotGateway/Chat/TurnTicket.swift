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
        var place = true
        /// The directory entry the turn has claimed, while it has one.
        var claim: String?
    }

    private let gate: UpstreamGate
    private let directory: ConversationDirectory
    private let holdings: Mutex<Holdings>

    /// Made once the turn holds a place in `gate`.
    init(gate: UpstreamGate, directory: ConversationDirectory) {
        self.gate = gate
        self.directory = directory
        self.holdings = Mutex(Holdings())
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
        if place { await gate.leave() }
    }

    private func takeAll() -> (Bool, String?) {
        holdings.withLock { holdings in
            defer { holdings = Holdings(place: false) }
            return (holdings.place, holdings.claim)
        }
    }

    deinit {
        let (place, claim) = takeAll()
        guard place || claim != nil else { return }
        let (gate, directory) = (gate, directory)
        Task {
            if let claim { await directory.discard(claim) }
            if place { await gate.leave() }
        }
    }
}
