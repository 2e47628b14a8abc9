/// How the simulator's `chatOverStream` responses went, as returned by `GET /_sim/streams`: a stream
/// is `open` while it is being written, then `completed` (its last event sent) or `abandoned` (the
/// client closed the connection, or cancelled, before the end). Tests use it to prove that a client
/// who goes away does not leave a call to Copilot running.
public struct StreamCounts: Codable, Sendable, Equatable {
    public var open = 0
    public var completed = 0
    public var abandoned = 0

    public init(open: Int = 0, completed: Int = 0, abandoned: Int = 0) {
        self.open = open
        self.completed = completed
        self.abandoned = abandoned
    }
}

extension CopilotSimulator {
    func streamOpened() {
        streams.open += 1
    }

    func streamEnded(completed: Bool) {
        streams.open -= 1
        if completed { streams.completed += 1 } else { streams.abandoned += 1 }
    }
}
