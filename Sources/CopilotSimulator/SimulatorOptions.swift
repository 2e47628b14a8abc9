/// Tunables for a ``CopilotSimulator``.
public struct SimulatorOptions: Sendable {
    /// What the simulator makes of `responseOptions.isDeltaStreamingEnabled`, whose meaning on real
    /// Graph is unknown: each plausible answer.
    public enum DeltaStreaming: String, Sendable, CaseIterable {
        /// Partial snapshots carry only the text added since the previous one; the final is whole.
        case honour
        /// The option is accepted and changes nothing: every snapshot is cumulative.
        case ignore
        /// The option is an unknown property: the turn gets 400.
        case refuse
    }

    /// How Work IQ replies cite their sources: the documented resource lists a `references` map, the
    /// documented examples and Microsoft's sample still read `attributions` (see the upstream notes).
    public enum WorkIQCitations: String, Sendable, CaseIterable {
        case references, attributions
    }

    /// Number of growing partial snapshots sent in a stream before the full-text partial.
    public var snapshotCount: Int
    /// Pause between two stream events.
    public var eventDelay: Duration
    /// nil: any non-empty bearer token is accepted; otherwise only this exact token.
    /// Ignored when ``checkTokens`` is on.
    public var acceptedToken: String?
    /// Longest accepted `message.text`, in characters; longer prompts get 413.
    public var maxMessageLength: Int
    /// Lifetime of the access tokens the identity endpoints issue (`expires_in`, in whole seconds).
    public var accessTokenLifetime: Duration
    /// Lifetime of a device code (`expires_in` of the devicecode response, in whole seconds).
    public var deviceCodeLifetime: Duration
    /// The `interval` (seconds) a device-code client is told to wait between polls.
    public var deviceCodeInterval: Int
    /// Whether a poll sooner than `interval` after the previous poll of the same code gets `slow_down`.
    public var enforceSlowDown: Bool
    /// Whether a refresh token stops working once it has been redeemed (rotation with revocation).
    public var revokeRotatedRefreshTokens: Bool
    /// Whether the Graph endpoints accept only unexpired access tokens this simulator issued.
    public var checkTokens: Bool
    /// Whether device codes are approved automatically from the start.
    public var autoApprove: Bool
    /// How long after issue an automatically approved device code becomes approved.
    public var autoApproveDelay: Duration
    /// Whether tool calls and JSON answers come wrapped the way untidy models write them: prose before
    /// and after, a code fence, a trailing comma (the `messy` fault does this for single turns).
    public var messyOutput: Bool
    /// How many requests the request log keeps (the newest); zero: all of them. A long-running demo
    /// gateway would otherwise grow without bound.
    public var requestLogLimit: Int
    /// How many conversations the simulator remembers (the newest); zero: all of them. An older one
    /// is forgotten as Graph forgets one, and a turn in it gets 404.
    public var conversationLimit: Int
    /// What a request asking for delta streaming gets.
    public var deltaStreaming: DeltaStreaming
    /// How replies on the Work IQ paths cite their sources.
    public var workIQCitations: WorkIQCitations

    /// Creates options; the defaults suit tests and the demo mode.
    public init(
        snapshotCount: Int = 8, eventDelay: Duration = .milliseconds(10), acceptedToken: String? = nil,
        maxMessageLength: Int = 16_000, accessTokenLifetime: Duration = .seconds(3600),
        deviceCodeLifetime: Duration = .seconds(900), deviceCodeInterval: Int = 5, enforceSlowDown: Bool = false,
        revokeRotatedRefreshTokens: Bool = false, checkTokens: Bool = false, autoApprove: Bool = false,
        autoApproveDelay: Duration = .milliseconds(200), messyOutput: Bool = false, requestLogLimit: Int = 1000,
        conversationLimit: Int = 1000, deltaStreaming: DeltaStreaming = .honour, workIQCitations: WorkIQCitations = .references
    ) {
        self.workIQCitations = workIQCitations
        self.snapshotCount = max(0, snapshotCount)
        self.eventDelay = eventDelay
        self.acceptedToken = acceptedToken
        self.maxMessageLength = maxMessageLength
        self.accessTokenLifetime = max(.zero, accessTokenLifetime)
        self.deviceCodeLifetime = max(.zero, deviceCodeLifetime)
        self.deviceCodeInterval = max(0, deviceCodeInterval)
        self.enforceSlowDown = enforceSlowDown
        self.revokeRotatedRefreshTokens = revokeRotatedRefreshTokens
        self.checkTokens = checkTokens
        self.autoApprove = autoApprove
        self.autoApproveDelay = max(.zero, autoApproveDelay)
        self.messyOutput = messyOutput
        self.requestLogLimit = max(0, requestLogLimit)
        self.conversationLimit = max(0, conversationLimit)
        self.deltaStreaming = deltaStreaming
    }
}
