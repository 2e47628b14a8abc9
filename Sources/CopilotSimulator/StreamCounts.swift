import Foundation

/// How the simulator's `chatOverStream` responses went, as returned by `GET /_sim/streams`: a stream
/// is `open` while it is being written, then `completed` (its last event sent) or `abandoned` (the
/// client closed the connection, or cancelled, before the end). Tests use it to prove that a client
/// who goes away does not leave a call to Copilot running.
public struct StreamCounts: Codable, Sendable, Equatable {
    public var open = 0
    public var completed = 0
    public var abandoned = 0
    /// When the newest stream wrote its first event whose reply has text, in seconds since 1970: with
    /// `receivedAt` of its request (`/_sim/requests`), what the simulator itself took to the first
    /// token, which a benchmark subtracts from the time its client waited.
    public var lastFirstTextAt: Double?

    public init(open: Int = 0, completed: Int = 0, abandoned: Int = 0, lastFirstTextAt: Double? = nil) {
        self.open = open
        self.completed = completed
        self.abandoned = abandoned
        self.lastFirstTextAt = lastFirstTextAt
    }
}

extension CopilotSimulator {
    func streamOpened() {
        streams.open += 1
    }

    func firstTextWritten(at time: Date) {
        streams.lastFirstTextAt = time.timeIntervalSince1970
    }

    func streamEnded(completed: Bool) {
        streams.open -= 1
        if completed { streams.completed += 1 } else { streams.abandoned += 1 }
    }
}
