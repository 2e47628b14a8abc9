import Foundation
import HTTPTypes
import Logging
import Synchronization

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

    /// A started streamed reply.
    public struct ReplyStream: Sendable {
        let service: ChatService
        let turn: PreparedTurn
        var target: Target
        var snapshots: GraphSnapshotStream
        var retried: Bool
        /// Held until the stream is done with (or dropped unread).
        let place: UpstreamPlace
        /// Forgets the continued conversation if the stream is dropped unread (its client went away
        /// before the body began): Copilot got the turn, so the history no longer describes it.
        let lease: StreamLease

        /// Runs the reply (see `reply(emit:)`), then gives the place among Copilot's turns back.
        public func run(emit: (ReplyPiece) async throws -> Void) async throws -> Reply {
            lease.markRun()
            defer { place.leave() }
            let reply = try await self.reply(emit: emit)
            service.logText(turn, reply)
            return reply
        }

        /// What failed, as the retry counter's `reason`.
        static func retryReason(_ error: any Error) -> String {
            switch error as? UpstreamError {
            case .status?: "server_error"
            case .timeout?: "timeout"
            case .streamInterrupted?: "stream_interrupted"
            case .inBand?: "in_band_error"
            case .emptyReply?: "empty_reply"
            default: "transport"
            }
        }

        /// Calls `emit` with each new piece of text (and tool calls at the end), in order, and returns
        /// the whole reply as sent. Copilot's snapshots are cumulative; `StreamingTextDiffer` makes them
        /// append-only. With tools offered, text that may turn out to be a call is held back until it is
        /// clear; when the turn demands a call or JSON, nothing is sent before the reply is complete.
        /// If Copilot fails before any text, the turn is retried once on a fresh conversation.
        func reply(emit: (ReplyPiece) async throws -> Void) async throws -> Reply {
            var stream = self
            let formatter = service.formatter
            let holdsEverything = turn.responseFormat != .text || turn.tools?.requiresCall == true
            var differ = StreamingTextDiffer()
            while true {
                var tracker = ReplyTracker(prompt: stream.target.request.message.text)
                do {
                    var changed = false
                    try await stream.snapshots.forEach { snapshot in
                        if tracker.ingest(snapshot) { changed = true }
                    } afterEachRead: {
                        // Snapshots that came in one read are formatted and sent as one delta.
                        guard changed, !holdsEverything else { return }
                        changed = false
                        var visible = formatter.format(tracker.rawText, sources: tracker.sources, isComplete: false)
                        if turn.tools != nil { visible = ToolCallReader.textBeforePossibleCall(visible) }
                        let delta = differ.delta(for: visible)
                        if !delta.isEmpty { try await emit(.text(delta)) }
                    }
                    guard tracker.sawFinalSnapshot || tracker.disengaged else { throw UpstreamError.streamInterrupted }
                    let complete = service.formatted(tracker)
                    if tracker.disengaged {
                        let reply = try await service.settle(turn, stream.target, reading: .answer(""), disengagedText: complete)
                        let delta = differ.delta(for: reply.text)
                        if !delta.isEmpty { try await emit(.text(delta)) }
                        return reply
                    }
                    let reading = try await service.read(complete, turn, stream.target)
                    switch reading {
                    case .calls(let calls, let leading):
                        let delta = differ.delta(for: leading)
                        if !delta.isEmpty { try await emit(.text(delta)) }
                        try await emit(.toolCalls(calls))
                        var reply = try await service.settle(turn, stream.target, reading: .calls(calls, leadingText: differ.sent), disengagedText: nil)
                        reply.text = differ.sent
                        return reply
                    case .answer(let text):
                        let delta = differ.delta(for: text)
                        if !delta.isEmpty { try await emit(.text(delta)) }
                        if differ.basis != text {
                            service.logger.notice("Copilot rewrote text it had already streamed; the client keeps the text it was sent")
                        }
                        var reply = try await service.settle(turn, stream.target, reading: .answer(differ.sent), disengagedText: nil)
                        reply.text = differ.sent
                        return reply
                    }
                } catch {
                    let nothingSeen = differ.sent.isEmpty && tracker.rawText.isEmpty
                    await service.abandon(stream.target, changedUpstream: !nothingSeen)
                    guard nothingSeen, !stream.retried, service.shouldRetry(error) else { throw error }
                    service.logger.warning("Copilot failed before answering; retrying once on a fresh conversation", metadata: ["error": "\(error)"])
                    service.metrics.retried(Self.retryReason(error))
                    stream.retried = true
                    stream.target = try await service.freshTarget(turn)
                    let target = stream.target
                    stream.snapshots = try await service.timed("stream") {
                        try await service.graph.openStream(conversationID: target.conversationID, request: target.request)
                    }
                }
            }
        }
    }

    /// Where a turn goes: the conversation and the body to send it.
    struct Target: Sendable {
        var conversationID: String
        var request: GraphChatRequest
        /// The directory entry this turn continues, reserved until the turn ends.
        var claimedKey: String?
        var turnCount: Int
        var createdAt: Date
        /// The tool catalogue Copilot knows in this conversation after this turn.
        var toolsDigest: String?
    }

    /// Runs `operation` on the conversation that continues the history, or on a new one seeded with it.
    /// A continued conversation that Graph no longer knows (404/410) is replaced by a new one; a 5xx,
    /// timeout or transport failure is retried once on a new one (`COPILOT_RETRY_ON_5XX`).
    private func withRetry<T>(_ turn: PreparedTurn, fresh: Bool = false, _ operation: (Target) async throws -> T) async throws -> (Target, T, Bool) {
        var mayContinue = !settings.alwaysNewConversation && !fresh
        var retried = fresh
        while true {
            var target: Target?
            do {
                if mayContinue { target = await continuingTarget(turn) }
                let chosen: Target
                if let target { chosen = target } else { chosen = try await freshTarget(turn) }
                target = chosen
                return (chosen, try await operation(chosen), retried)
            } catch {
                if let target { await abandon(target, changedUpstream: false) }
                if let target, target.claimedKey != nil, Self.isGone(error) {
                    logger.info("The Copilot conversation is gone; starting a new one with the history")
                    metrics.retried("conversation_gone")
                    mayContinue = false
                    continue
                }
                guard !retried, shouldRetry(error) else { throw error }
                logger.warning("Copilot failed before answering; retrying once on a fresh conversation", metadata: ["error": "\(error)"])
                metrics.retried(ReplyStream.retryReason(error))
                retried = true
                mayContinue = false
            }
        }
    }

    /// The recorded conversation that continues this history, if there is one and it is free.
    private func continuingTarget(_ turn: PreparedTurn) async -> Target? {
        let key = ConversationDirectory.key(scope: turn.scope, instructions: turn.instructions, entries: turn.history)
        guard let record = await directory.claim(key) else { return nil }
        let sendsCatalogue = turn.tools.map { $0.digest != record.toolsDigest } ?? false
        // Copilot knows a catalogue from an earlier turn: without tools this turn (or with
        // `tool_choice: "none"`) it must be told so, or it may call one from memory.
        let noToolsThisTurn = turn.tools == nil && record.toolsDigest != nil
        return Target(
            conversationID: record.conversationID,
            request: request(for: turn, seeded: false, withCatalogue: sendsCatalogue, noToolsThisTurn: noToolsThisTurn),
            claimedKey: key, turnCount: record.turnCount + 1, createdAt: record.createdAt,
            toolsDigest: turn.tools?.digest ?? record.toolsDigest)
    }

    /// A new conversation, seeded with the system prompt and the earlier turns.
    func freshTarget(_ turn: PreparedTurn) async throws -> Target {
        let conversationID = try await timed("create") { try await graph.createConversation() }
        return Target(
            conversationID: conversationID, request: request(for: turn, seeded: true, withCatalogue: turn.tools != nil), claimedKey: nil,
            turnCount: 1, createdAt: Date(), toolsDigest: turn.tools?.digest)
    }

    /// The turn failed: its claim is released, or dropped when Copilot may have recorded part of it.
    func abandon(_ target: Target, changedUpstream: Bool) async {
        guard let key = target.claimedKey else { return }
        if changedUpstream { await directory.discard(key) } else { await directory.release(key) }
    }

    func shouldRetry(_ error: any Error) -> Bool {
        guard settings.retryOnServerError, let error = error as? UpstreamError else { return false }
        switch error {
        case .status(let status, _, _, _, _): return (500...599).contains(status)
        case .timeout, .transport, .streamInterrupted, .inBand, .emptyReply: return true
        default: return false
        }
    }

    static func isGone(_ error: any Error) -> Bool {
        guard case .status(let status, _, _, _, _)? = error as? UpstreamError else { return false }
        return status == 404 || status == 410
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

    /// The Graph body for `turn`. A new conversation also gets the system prompt and the earlier turns
    /// as `additionalContext`, so Copilot can continue a conversation that began elsewhere.
    func request(for turn: PreparedTurn, seeded: Bool, withCatalogue: Bool, noToolsThisTurn: Bool = false) -> GraphChatRequest {
        var context: [GraphChatRequest.ContextEntry] = []
        if let tools = turn.tools {
            if withCatalogue { context.append(.init(text: tools.text, description: "tools")) }
            context.append(.init(text: tools.choiceText, description: "tool choice for this message"))
        } else if noToolsThisTurn {
            context.append(.init(text: ToolCatalogue.noneForThisMessage, description: "tool choice for this message"))
        }
        if let instruction = turn.responseFormat.instruction {
            context.append(.init(text: instruction, description: "answer format"))
        }
        if seeded {
            if let instructions = turn.instructions {
                let kept = Self.limited(instructions, to: 8000)
                context.append(.init(text: "Instructions for this conversation (follow them):\n\(kept)", description: "system prompt"))
            }
            if let transcript = Self.transcript(turn.history, limit: 16_000) {
                context.append(.init(text: transcript, description: "earlier turns of this conversation"))
            }
        }
        for reminder in turn.reminders {
            context.append(.init(text: reminder, description: "context for this message"))
        }
        if turn.wantsImage {
            context.append(.init(text: ImageRequest.instruction, description: "note from the gateway"))
        }
        return GraphChatRequest(text: turn.prompt, timeZone: settings.timeZone, webEnabled: settings.webEnabled, additionalContext: context)
    }

    static func limited(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "\n(The rest was cut: it was too long.)"
    }

    /// The earlier turns as text, newest kept when over `limit` characters.
    static func transcript(_ history: [PreparedTurn.Entry], limit: Int) -> String? {
        guard !history.isEmpty else { return nil }
        var lines: [String] = []
        var length = 0
        for entry in history.reversed() {
            let speaker = switch entry.role {
            case .assistant: "Assistant"
            case .tool, .function: "Tool result"
            default: "User"
            }
            let line = "\(speaker): \(entry.text)"
            if length + line.count > limit { break }
            lines.append(line)
            length += line.count + 1
        }
        let omitted = history.count - lines.count
        let header = omitted > 0 ? "Conversation so far (\(omitted) older messages omitted):" : "Conversation so far:"
        return ([header] + lines.reversed()).joined(separator: "\n")
    }

    func usage(_ request: GraphChatRequest, _ reply: String) -> Usage {
        let sent = [request.message.text] + (request.additionalContext ?? []).map(\.text)
        return Usage(promptTokens: TokenEstimator.estimate(sent), completionTokens: TokenEstimator.estimate([reply]))
    }
}

/// See `ChatService.ReplyStream.lease`.
final class StreamLease: Sendable {
    private let directory: ConversationDirectory
    private let claimedKey: String?
    private let ran = Mutex(false)

    init(directory: ConversationDirectory, claimedKey: String?) {
        self.directory = directory
        self.claimedKey = claimedKey
    }

    func markRun() { ran.withLock { $0 = true } }

    deinit {
        guard let claimedKey, !ran.withLock({ $0 }) else { return }
        let directory = directory
        Task { await directory.discard(claimedKey) }
    }
}
