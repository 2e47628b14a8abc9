/// Tunables for a ``CopilotSimulator``.
public struct SimulatorOptions: Sendable {
    /// Number of growing partial snapshots sent in a stream before the full-text partial.
    public var snapshotCount: Int
    /// Pause between two stream events.
    public var eventDelay: Duration
    /// nil: any non-empty bearer token is accepted; otherwise only this exact token.
    public var acceptedToken: String?
    /// Longest accepted `message.text`, in characters; longer prompts get 413.
    public var maxMessageLength: Int

    /// Creates options; the defaults suit tests and the demo mode.
    public init(
        snapshotCount: Int = 8, eventDelay: Duration = .milliseconds(10), acceptedToken: String? = nil,
        maxMessageLength: Int = 16_000
    ) {
        self.snapshotCount = max(0, snapshotCount)
        self.eventDelay = eventDelay
        self.acceptedToken = acceptedToken
        self.maxMessageLength = maxMessageLength
    }
}
