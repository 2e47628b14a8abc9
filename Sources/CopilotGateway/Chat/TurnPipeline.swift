import Foundation
import Logging

/// The core of the gateway: one chat turn against Copilot, for any API dialect.
///
/// A dialect decodes its request into a `TurnRequest`, calls `start` (a place among the turns that may
/// talk to Copilot, the conversation, Copilot's acceptance of the turn) and then `StartedTurn.run`,
/// which hands it neutral `ReplyEvent`s to encode. Failures are domain errors (`UpstreamError`,
/// `TurnError`), which the dialect words at its edge.
public struct TurnPipeline: Sendable {
    public struct Settings: Sendable {
        public var timeZone: String
        public var webEnabled: Bool
        public var alwaysNewConversation: Bool
        public var retryOnServerError: Bool
        public var citations: CitationStyle
        /// Turns talking to Copilot at once (`COPILOT_MAX_CONCURRENT`), and how long others wait for a place.
        public var maxConcurrentTurns: Int
        public var maxQueueWait: Duration
        /// Logs each prompt and reply (`LOG_MESSAGE_TEXT`); off by default, as they are private.
        public var logsMessageText: Bool

        public init(
            timeZone: String, webEnabled: Bool, alwaysNewConversation: Bool, retryOnServerError: Bool, citations: CitationStyle,
            maxConcurrentTurns: Int = GatewayConfiguration.Defaults.maxConcurrentTurns,
            maxQueueWait: Duration = GatewayConfiguration.Defaults.upstreamQueueWait, logsMessageText: Bool = false
        ) {
            self.timeZone = timeZone
            self.webEnabled = webEnabled
            self.alwaysNewConversation = alwaysNewConversation
            self.retryOnServerError = retryOnServerError
            self.citations = citations
            self.maxConcurrentTurns = maxConcurrentTurns
            self.maxQueueWait = maxQueueWait
            self.logsMessageText = logsMessageText
        }

        public init(_ configuration: GatewayConfiguration) {
            self.init(
                timeZone: configuration.timeZone, webEnabled: configuration.webEnabled,
                alwaysNewConversation: configuration.alwaysNewConversation, retryOnServerError: configuration.retryOn5xx,
                citations: configuration.citations, maxConcurrentTurns: configuration.maxConcurrentTurns,
                maxQueueWait: configuration.upstreamQueueWait, logsMessageText: configuration.logsMessageText)
        }
    }

    let settings: Settings
    let upstream: any CopilotUpstream
    let plan: ConversationPlan
    let policy: RetryPolicy
    let gate: UpstreamGate
    let metrics: GatewayMetrics
    let logger: Logger
    let formatter: ReplyFormatter
    var directory: ConversationDirectory { plan.directory }

    init(upstream: any CopilotUpstream, settings: Settings, directory: ConversationDirectory, metrics: GatewayMetrics = GatewayMetrics(), logger: Logger) {
        let metered = MeteredUpstream(base: upstream, metrics: metrics)
        self.settings = settings
        self.upstream = metered
        self.plan = ConversationPlan(
            directory: directory, upstream: metered, prompt: CopilotPrompt(timeZone: settings.timeZone, webEnabled: settings.webEnabled),
            alwaysNewConversation: settings.alwaysNewConversation)
        self.policy = RetryPolicy(retriesServerErrors: settings.retryOnServerError)
        self.gate = UpstreamGate(limit: settings.maxConcurrentTurns, maxWait: settings.maxQueueWait)
        self.metrics = metrics
        self.logger = logger
        self.formatter = ReplyFormatter(citations: settings.citations)
    }

    /// Starts `turn`: waits for a place among the turns that may talk to Copilot (429 when none comes
    /// free in time), chooses the conversation, and sends the turn. Returns once Copilot has accepted it
    /// (a stream's status 200, or the whole answer), so that failures up to here are ordinary HTTP errors.
    public func start(_ turn: TurnRequest) async throws -> StartedTurn {
        // Waiting for a place among the turns that may talk to Copilot is waiting on Copilot.
        guard await UpstreamWaitMeter.waiting({ await gate.enter() }) else {
            try Task.checkCancellation()
            metrics.rejected(.upstreamBusy)
            throw TurnError.upstreamBusy(limit: settings.maxConcurrentTurns, waitedSeconds: settings.maxQueueWait.components.seconds)
        }
        let ticket = TurnTicket(gate: gate, directory: directory)
        var retries = RetryState()
        do {
            let attempt = try await open(turn, ticket: ticket, retries: &retries)
            return StartedTurn(pipeline: self, turn: turn, ticket: ticket, attempt: attempt, retries: retries)
        } catch {
            await ticket.end()
            throw error
        }
    }

    /// Sends the turn to the conversation that continues its history, or to a new one, until Copilot
    /// accepts it or the retry policy gives up.
    func open(_ turn: TurnRequest, ticket: TurnTicket, retries: inout RetryState) async throws -> Attempt {
        while true {
            var target: ConversationPlan.Target?
            do {
                if retries.mayContinue { target = await plan.continuing(turn) }
                let chosen: ConversationPlan.Target
                if let target { chosen = target } else { chosen = try await plan.fresh(turn) }
                target = chosen
                ticket.hold(claim: chosen.claimedKey)
                let snapshots: any ReplySnapshots = turn.stream
                    ? try await upstream.openStream(conversationID: chosen.conversationID, request: chosen.request)
                    : WholeReply(conversation: try await upstream.chat(conversationID: chosen.conversationID, request: chosen.request))
                return Attempt(target: chosen, snapshots: snapshots, isWhole: !turn.stream)
            } catch {
                try await recover(from: error, target: target, sawText: false, ticket: ticket, retries: &retries)
            }
        }
    }

    /// After a failed attempt: its conversation is let go, and the retry policy says whether to go on
    /// (on a new conversation) or to fail with `error`.
    func recover(from error: any Error, target: ConversationPlan.Target?, sawText: Bool, ticket: TurnTicket, retries: inout RetryState) async throws {
        if let target {
            await plan.abandon(target, changedUpstream: sawText)
            ticket.hold(claim: nil)
        }
        switch policy.decide(error, continuedConversation: target?.claimedKey != nil, sawText: sawText, retried: retries.retried) {
        case .fail:
            throw error
        case .replaceGoneConversation:
            logger.info("The Copilot conversation is gone; starting a new one with the history")
            metrics.retried("conversation_gone")
        case .retryOnNewConversation(let reason):
            logger.warning("Copilot failed before answering; retrying once on a fresh conversation", metadata: ["error": "\(error)"])
            metrics.retried(reason)
            retries.retried = true
        }
        retries.mayContinue = false
    }

    /// Logs the prompt and the reply when `LOG_MESSAGE_TEXT` asks for it.
    func logText(_ turn: TurnRequest, _ reply: TurnReply) {
        guard settings.logsMessageText else { return }
        logger.info("Turn", metadata: ["prompt": "\(turn.prompt)", "reply": "\(reply.text)", "finish": "\(reply.finishReason)"])
    }
}

/// One try at a turn: the conversation it went to and the reply's snapshots.
struct Attempt: Sendable {
    var target: ConversationPlan.Target
    var snapshots: any ReplySnapshots
    /// Answered whole (Graph `chat`): its one snapshot is the complete reply.
    var isWhole: Bool
}

/// How far a turn has used up its second chances.
struct RetryState: Sendable {
    /// The retry on a new conversation has been used.
    var retried = false
    /// The turn may still continue a recorded conversation.
    var mayContinue = true
}
