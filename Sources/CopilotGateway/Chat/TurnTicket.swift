import Synchronization

/// One turn's hold on what it shares with others: its place among the turns that may talk to Copilot
/// (`UpstreamGate`), the directory entry of the conversation it continues, and the caller's own slot.
/// `end()` gives them all back, once, when the turn is over. Should a turn be dropped without ending
/// (a stream whose client went away before it began), the ticket ends itself when it goes.
final class TurnTicket: Sendable {
    private struct Holdings {
        var place = true
        /// The directory entry the turn has claimed, while it has one.
        var claim: String?
        var callerSlot: (@Sendable () -> Void)?
    }

    private let gate: UpstreamGate
    private let directory: ConversationDirectory
    private let holdings: Mutex<Holdings>

    /// Made once the turn holds a place in `gate`; `callerSlot` gives the caller's slot back.
    init(gate: UpstreamGate, directory: ConversationDirectory, callerSlot: (@Sendable () -> Void)?) {
        self.gate = gate
        self.directory = directory
        self.holdings = Mutex(Holdings(callerSlot: callerSlot))
    }

    /// The directory entry the turn now holds (nil once it has been finished, released or discarded).
    func hold(claim: String?) {
        holdings.withLock { $0.claim = claim }
    }

    /// Gives everything back. A claim still held is discarded: Copilot may have got the turn, so the
    /// recorded history no longer describes the conversation.
    func end() async {
        let (place, claim, callerSlot) = takeAll()
        callerSlot?()
        if let claim { await directory.discard(claim) }
        if place { await gate.leave() }
    }

    private func takeAll() -> (Bool, String?, (@Sendable () -> Void)?) {
        holdings.withLock { holdings in
            defer { holdings = Holdings(place: false) }
            return (holdings.place, holdings.claim, holdings.callerSlot)
        }
    }

    deinit {
        let (place, claim, callerSlot) = takeAll()
        callerSlot?()
        guard place || claim != nil else { return }
        let (gate, directory) = (gate, directory)
        Task {
            if let claim { await directory.discard(claim) }
            if place { await gate.leave() }
        }
    }
}
