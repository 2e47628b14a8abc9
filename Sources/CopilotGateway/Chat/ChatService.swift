import Foundation
import HTTPTypes
import Logging

/// One chat turn against Copilot: finds the conversation that continues the client's history or
/// starts one seeded with it, sends the turn, retries once on a fresh conversation when Copilot
/// fails before answering, reads the reply, and records where the conversation now stands.
public struct ChatService: Sendable {
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
            maxConcurrentTurns: Int = 4, maxQueueWait: Duration = .seconds(30), logsMessageText: Bool = false
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

    /// A finished reply.
    public struct Reply: Sendable, Equatable {
        public var text: String
        public var usage: Usage
        /// `stop`, `tool_calls`, or `content_filter` when Copilot disengaged.
        public var finishReason: String
        public var toolCalls: [ToolCall] = []
    }

    /// What a streamed reply hands on, in order.
    public enum ReplyPiece: Sendable, Equatable {
        case text(String)
        case toolCalls([ToolCall])
    }

    let graph: GraphClient
    let settings: Settings
    let directory: ConversationDirectory
    let logger: Logger
    let metrics: GatewayMetrics
    let gate: UpstreamGate

    init(graph: GraphClient, settings: Settings, directory: ConversationDirectory, metrics: GatewayMetrics = GatewayMetrics(), logger: Logger) {
        self.graph = graph
        self.settings = settings
        self.directory = directory
        self.logger = logger
        self.metrics = metrics
        self.gate = UpstreamGate(limit: settings.maxConcurrentTurns, maxWait: settings.maxQueueWait)
    }

    /// A place among the turns that may talk to Copilot now, or 429 when none came free in time.
    func upstreamPlace() async throws -> UpstreamPlace {
        guard await gate.enter() else {
            try Task.checkCancellation()
            metrics.rejected(.upstreamBusy)
            throw OpenAIError(
                status: .tooManyRequests,
                message: "Copilot is busy with \(settings.maxConcurrentTurns) other requests of this account (COPILOT_MAX_CONCURRENT) and none finished within \(settings.maxQueueWait.components.seconds) s. Try again shortly.",
                type: "rate_limit_error", code: "upstream_busy", retryAfter: 5)
        }
        return UpstreamPlace(gate: gate)
    }

    /// One call to Graph, timed for `/metrics`.
    func timed<T>(_ call: String, _ operation: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let result = try await operation()
            metrics.upstreamCall(call, status: "ok", duration: .now - start)
            return result
        } catch {
            let status = switch error as? UpstreamError {
            case .status(let code, _, _, _, _)?: String(code)
            case .timeout?: "timeout"
            case nil where error is CancellationError: "cancelled"
            default: "failed"
            }
            metrics.upstreamCall(call, status: status, duration: .now - start)
            throw error
        }
    }

    /// Logs the prompt and the reply when `LOG_MESSAGE_TEXT` asks for it.
    func logText(_ turn: PreparedTurn, _ reply: Reply) {
        guard settings.logsMessageText else { return }
        logger.info("Turn", metadata: ["prompt": "\(turn.prompt)", "reply": "\(reply.text)", "finish": "\(reply.finishReason)"])
    }

    var formatter: ReplyFormatter { ReplyFormatter(citations: settings.citations) }

    /// The turn answered whole (Graph `chat`).
    public func complete(_ turn: PreparedTurn) async throws -> Reply {
        let place = try await upstreamPlace()
        defer { place.leave() }
        var retried = false
        do {
            return try await completeOnce(turn, fresh: false, retried: &retried)
        } catch UpstreamError.emptyReply where !retried && shouldRetry(UpstreamError.emptyReply) {
            // Nothing reached the client yet: an empty reply is retried like a 5xx (once in all).
            logger.warning("Copilot's reply was empty; retrying once on a fresh conversation")
            metrics.retried(ReplyStream.retryReason(UpstreamError.emptyReply))
            return try await completeOnce(turn, fresh: true, retried: &retried)
        }
    }

    /// One whole answer; `fresh` starts a new conversation (and allows no further retry). `retried`
    /// says whether a retry has been used.
    private func completeOnce(_ turn: PreparedTurn, fresh: Bool, retried: inout Bool) async throws -> Reply {
        let (target, snapshot, retriedBefore) = try await withRetry(turn, fresh: fresh) { target in
            try await timed("chat") { try await graph.chat(conversationID: target.conversationID, request: target.request) }
        }
        retried = retried || retriedBefore
        var tracker = ReplyTracker(prompt: target.request.message.text)
        tracker.ingest(snapshot)
        let reply: Reply
        if tracker.disengaged {
            reply = try await settle(turn, target, reading: .answer(""), disengagedText: formatted(tracker))
        } else {
            reply = try await settle(turn, target, reading: try await read(formatted(tracker), turn, target), disengagedText: nil)
        }
        logText(turn, reply)
        return reply
    }

    func formatted(_ tracker: ReplyTracker) -> String {
        formatter.format(tracker.rawText, sources: tracker.sources, isComplete: true)
    }

    /// What a reply means for the client: an answer, or tool calls. When the turn demands a call or
    /// JSON and the reply is neither, Copilot is asked once more in the same conversation.
    func read(_ text: String, _ turn: PreparedTurn, _ target: Target) async throws -> ReplyOutcome {
        let first = ReplyReading.of(text, turn)
        guard case .correction(let instruction) = first else { return try outcome(first) }
        logger.info("Copilot's reply did not have the required form; asking once more")
        let followUp = GraphChatRequest(text: instruction, timeZone: settings.timeZone, webEnabled: settings.webEnabled, additionalContext: [])
        let snapshot = try await timed("chat") { try await graph.chat(conversationID: target.conversationID, request: followUp) }
        var tracker = ReplyTracker(prompt: instruction)
        tracker.ingest(snapshot)
        let second = ReplyReading.of(formatted(tracker), turn)
        guard case .correction = second else { return try outcome(second) }
        // A tool call that was optional and is still unusable: the answer is the text around it.
        let remaining = ToolCallReader.withoutCallBlocks(text)
        if turn.responseFormat == .text, turn.tools?.requiresCall == false, !remaining.isEmpty { return .answer(remaining) }
        throw UpstreamError.wrongForm(turn.responseFormat == .text ? "a usable tool call" : "a JSON object")
    }

    private func outcome(_ reading: ReplyReading) throws -> ReplyOutcome {
        switch reading {
        case .answer(let text): return .answer(text)
        case .calls(let calls, let leading): return .calls(calls, leadingText: leading)
        case .correction: throw UpstreamError.wrongForm("the required form")
        }
    }

    /// A reply the client gets: an answer, or calls with the prose before them.
    enum ReplyOutcome: Equatable {
        case answer(String)
        case calls([ToolCall], leadingText: String)
    }

    /// The turn streamed (Graph `chatOverStream`). Returns once Copilot has accepted the turn, so that
    /// failures before that are ordinary HTTP errors; the reply then comes from `ReplyStream.run`.
    public func stream(_ turn: PreparedTurn) async throws -> ReplyStream {
        let place = try await upstreamPlace()
        let (target, snapshots, retried) = try await withRetry(turn) { target in
            try await timed("stream") { try await graph.openStream(conversationID: target.conversationID, request: target.request) }
        }
        return ReplyStream(
            service: self, turn: turn, target: target, snapshots: snapshots, retried: retried, place: place,
            lease: StreamLease(directory: directory, claimedKey: target.claimedKey))
    }

    /// After a reply: the conversation is recorded under the history the client will send next, or
    /// forgotten when Copilot disengaged (the reply then ends with `content_filter`).
    func settle(_ turn: PreparedTurn, _ target: Target, reading: ReplyOutcome, disengagedText: String?) async throws -> Reply {
        if let disengagedText {
            if let key = target.claimedKey { await directory.discard(key) }
            let refusal = disengagedText.isEmpty ? "Copilot declined to answer this message." : disengagedText
            return Reply(text: refusal, usage: usage(target.request, refusal), finishReason: "content_filter")
        }
        let reply: Reply
        let transcript: String
        switch reading {
        case .calls(let calls, let leading):
            transcript = PreparedTurn.renderedAssistantTurn(content: leading, calls: calls.map { ($0.name, $0.arguments) })
            reply = Reply(text: leading, usage: usage(target.request, transcript), finishReason: "tool_calls", toolCalls: calls)
        case .answer(let text):
            transcript = text
            reply = Reply(text: text, usage: usage(target.request, text), finishReason: "stop")
        }
        guard !transcript.isEmpty else {
            await abandon(target, changedUpstream: true)
            throw UpstreamError.emptyReply
        }
        if !settings.alwaysNewConversation {
            let next = turn.history + turn.newTurn + [PreparedTurn.Entry(role: .assistant, text: transcript)]
            let nextKey = ConversationDirectory.key(scope: turn.scope, instructions: turn.instructions, entries: next)
            await directory.finish(
                claimed: target.claimedKey, conversationID: target.conversationID, turnCount: target.turnCount,
                createdAt: target.createdAt, nextKey: nextKey, toolsDigest: target.toolsDigest)
        }
        return reply
    }
}
