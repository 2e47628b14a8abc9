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
    let accounts: AccountPool
    let plan: ConversationPlan
    let policy: RetryPolicy
    let metrics: GatewayMetrics
    /// The request's logger once a turn has started (`start(_:logger:)`): every line names its request.
    var logger: Logger
    let formatter: ReplyFormatter
    var directory: ConversationDirectory { plan.directory }

    /// A pipeline whose turns go to the accounts of `source`, shared out as `policy` says.
    init(
        accounts source: any AccountSource, policy: AccountPolicy = .preference, settings: Settings, directory: ConversationDirectory,
        metrics: GatewayMetrics = GatewayMetrics(), logger: Logger
    ) {
        self.settings = settings
        self.accounts = AccountPool(
            source: source, policy: policy, gateLimit: settings.maxConcurrentTurns, maxWait: settings.maxQueueWait, metrics: metrics)
        self.plan = ConversationPlan(
            directory: directory, prompt: CopilotPrompt(timeZone: settings.timeZone, webEnabled: settings.webEnabled),
            alwaysNewConversation: settings.alwaysNewConversation)
        self.policy = RetryPolicy(retriesServerErrors: settings.retryOnServerError)
        self.metrics = metrics
        self.logger = logger
        self.formatter = ReplyFormatter(citations: settings.citations)
    }

    /// A pipeline of one account, `default`, on `upstream` (a fixed token, or tests).
    init(
        upstream: any CopilotUpstream, tokens: any AccessTokenProvider = StaticAccessTokenProvider(token: ""), settings: Settings,
        directory: ConversationDirectory, metrics: GatewayMetrics = GatewayMetrics(), logger: Logger
    ) {
        self.init(
            accounts: FixedAccounts([UpstreamAccount(name: AccountName.default, upstream: upstream, tokens: tokens)]), settings: settings,
            directory: directory, metrics: metrics, logger: logger)
    }

    /// Starts `turn`: chooses the account and the conversation, waits for a place among that account's
    /// turns (429 when none comes free in time), and sends the turn. Returns once Copilot has accepted
    /// it (a stream's status 200, or the whole answer), so that failures up to here are ordinary HTTP
    /// errors. `logger` is the request's.
    public func start(_ turn: TurnRequest, logger: Logger? = nil) async throws -> StartedTurn {
        var pipeline = self
        if let logger { pipeline.logger = logger }
        let ticket = TurnTicket(directory: directory)
        var retries = RetryState()
        do {
            let attempt = try await pipeline.open(turn, ticket: ticket, retries: &retries)
            // Every later line of the turn names its account.
            pipeline.logger[metadataKey: "account"] = "\(attempt.account.name)"
            return StartedTurn(pipeline: pipeline, turn: turn, ticket: ticket, attempt: attempt, retries: retries)
        } catch {
            await ticket.end()
            pipeline.finished(account: retries.lastAccount, error: error)
            throw error
        }
    }

    /// Sends the turn to the conversation that continues its history, or to a new one, until Copilot
    /// accepts it or the retry policy gives up.
    func open(_ turn: TurnRequest, ticket: TurnTicket, retries: inout RetryState) async throws -> Attempt {
        while true {
            var target: ConversationPlan.Target?
            var account: UpstreamAccount?
            do {
                let continuing = retries.mayContinue ? await plan.continuing(turn) : nil
                ticket.hold(claim: continuing?.claimedKey)
                // Until the turn is sent, a failure (no account, no place in time) lets the claim go unchanged.
                target = continuing
                let chosen = try await self.account(for: turn, continuing: continuing, retries: retries)
                account = chosen
                retries.lastAccount = chosen.name
                if let continuing, continuing.account != chosen.name {
                    await plan.abandon(continuing, changedUpstream: false)
                    ticket.hold(claim: nil)
                    target = nil
                }
                try await ticket.enter(await accounts.gate(for: chosen.name), metrics: metrics)
                let upstream = MeteredUpstream(base: chosen.upstream, metrics: metrics, account: chosen.name)
                let destination: ConversationPlan.Target
                if let continuing, continuing.account == chosen.name {
                    destination = continuing
                } else {
                    destination = try await plan.fresh(turn, account: chosen.name, upstream: upstream)
                }
                target = destination
                ticket.hold(claim: destination.claimedKey)
                let snapshots: any ReplySnapshots = turn.stream
                    ? try await upstream.openStream(conversationID: destination.conversationID, request: destination.request)
                    : WholeReply(conversation: try await upstream.chat(conversationID: destination.conversationID, request: destination.request))
                return Attempt(target: destination, account: chosen, upstream: upstream, snapshots: snapshots, isWhole: !turn.stream)
            } catch {
                try await recover(turn, from: error, target: target, account: account?.name, sawText: false, ticket: ticket, retries: &retries)
            }
        }
    }

    /// The account a turn goes to: the one a failover chose; else the one whose conversation it continues
    /// while that one can serve (or no other can); else the pool's choice for a new conversation.
    func account(for turn: TurnRequest, continuing: ConversationPlan.Target?, retries: RetryState) async throws -> UpstreamAccount {
        if let next = retries.nextAccount, let account = await accounts.account(named: next, allowed: turn.accounts) { return account }
        if let continuing, let owner = await accounts.account(named: continuing.account, allowed: turn.accounts),
            !retries.tried.contains(owner.name)
        {
            if await accounts.isUsable(owner) { return owner }
            if let other = await accounts.usable(turn.accounts, excluding: retries.tried.union([owner.name])) {
                metrics.failover(from: owner.name, to: other.name, reason: "unusable")
                logger.notice("The account of this conversation cannot serve now; a new conversation on another account takes the history", metadata: ["account": "\(other.name)", "from": "\(owner.name)"])
                return other
            }
            return owner
        }
        guard let account = await accounts.choose(turn.accounts, excluding: retries.tried) else { throw TurnError.noAccount }
        return account
    }

    /// After a failed attempt: its conversation is let go, and the retry policy says whether to go on
    /// (on a new conversation), to move the turn to another account of its pool, or to fail with `error`.
    func recover(
        _ turn: TurnRequest, from error: any Error, target: ConversationPlan.Target?, account: String?, sawText: Bool, ticket: TurnTicket,
        retries: inout RetryState
    ) async throws {
        if let target {
            await plan.abandon(target, changedUpstream: sawText)
            ticket.hold(claim: nil)
        }
        switch policy.decide(error, continuedConversation: target?.claimedKey != nil, sawText: sawText, retried: retries.retried) {
        case .fail:
            guard !sawText, let account, let reason = AccountPool.failoverReason(error) else { throw error }
            await accounts.failed(account, reason: reason, error: error)
            let tried = retries.tried.union([account])
            guard let next = await accounts.usable(turn.accounts, excluding: tried) else { throw error }
            logger.warning("The account could not serve the turn; moving it to the next account of its pool", metadata: ["account": "\(account)", "to": "\(next.name)", "reason": "\(reason)", "error": "\(error)"])
            metrics.failover(from: account, to: next.name, reason: reason)
            retries = RetryState(mayContinue: false, tried: tried, nextAccount: next.name, lastAccount: account)
            return
        case .replaceGoneConversation:
            logger.info("The Copilot conversation is gone; starting a new one with the history", metadata: ["account": "\(account ?? "-")"])
            metrics.retried("conversation_gone")
        case .retryOnNewConversation(let reason):
            logger.warning("Copilot failed before answering; retrying once on a fresh conversation", metadata: ["account": "\(account ?? "-")", "error": "\(error)"])
            metrics.retried(reason)
            retries.retried = true
        }
        // The new conversation is the same account's: only a failover moves a turn to another.
        if let account { retries.nextAccount = account }
        retries.mayContinue = false
    }

    /// Counts and logs how a turn ended, with the account that served it (or failed it last).
    func finished(account: String?, error: (any Error)? = nil, reply: TurnReply? = nil) {
        let name = account ?? "-"
        if let error {
            if !(error is CancellationError) { metrics.turn(account: name, outcome: "failed") }
            logger.notice("Turn failed", metadata: ["account": "\(name)", "error": "\(error)"])
        } else {
            metrics.turn(account: name, outcome: "completed")
            logger.info("Turn answered", metadata: ["account": "\(name)", "finish": "\(reply?.finishReason ?? .stop)"])
        }
    }

    /// Logs the prompt and the reply when `LOG_MESSAGE_TEXT` asks for it.
    func logText(_ turn: TurnRequest, _ reply: TurnReply) {
        guard settings.logsMessageText else { return }
        logger.info("Turn", metadata: ["prompt": "\(turn.prompt)", "reply": "\(reply.text)", "finish": "\(reply.finishReason)"])
    }
}

/// One try at a turn: the account and conversation it went to and the reply's snapshots.
struct Attempt: Sendable {
    var target: ConversationPlan.Target
    var account: UpstreamAccount
    /// The account's upstream, metered.
    var upstream: any CopilotUpstream
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
    /// Accounts that failed this turn already.
    var tried: Set<String> = []
    /// The account the turn's next attempt must go to: the one a failover moved it to, or the one
    /// whose retry or replaced conversation it is.
    var nextAccount: String?
    /// The account the latest attempt went to.
    var lastAccount: String?
}
