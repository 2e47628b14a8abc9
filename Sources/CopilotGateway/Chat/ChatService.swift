import Foundation
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

        public init(timeZone: String, webEnabled: Bool, alwaysNewConversation: Bool, retryOnServerError: Bool, citations: CitationStyle) {
            self.timeZone = timeZone
            self.webEnabled = webEnabled
            self.alwaysNewConversation = alwaysNewConversation
            self.retryOnServerError = retryOnServerError
            self.citations = citations
        }

        public init(_ configuration: GatewayConfiguration) {
            self.init(
                timeZone: configuration.timeZone, webEnabled: configuration.webEnabled,
                alwaysNewConversation: configuration.alwaysNewConversation, retryOnServerError: configuration.retryOn5xx,
                citations: configuration.citations)
        }
    }

    /// A finished reply.
    public struct Reply: Sendable, Equatable {
        public var text: String
        public var usage: Usage
        /// `stop`, or `content_filter` when Copilot disengaged.
        public var finishReason: String
    }

    let graph: GraphClient
    let settings: Settings
    let directory: ConversationDirectory
    let logger: Logger

    init(graph: GraphClient, settings: Settings, directory: ConversationDirectory, logger: Logger) {
        self.graph = graph
        self.settings = settings
        self.directory = directory
        self.logger = logger
    }

    var formatter: ReplyFormatter { ReplyFormatter(citations: settings.citations) }

    /// The turn answered whole (Graph `chat`).
    public func complete(_ turn: PreparedTurn) async throws -> Reply {
        let (target, snapshot, _) = try await withRetry(turn) { target in
            try await graph.chat(conversationID: target.conversationID, request: target.request)
        }
        var tracker = ReplyTracker(prompt: target.request.message.text)
        tracker.ingest(snapshot)
        let text = formatter.format(tracker.rawText, sources: tracker.sources, isComplete: true)
        return try await settle(turn, target, text: text, disengaged: tracker.disengaged)
    }

    /// The turn streamed (Graph `chatOverStream`). Returns once Copilot has accepted the turn, so that
    /// failures before that are ordinary HTTP errors; the reply then comes from `ReplyStream.run`.
    public func stream(_ turn: PreparedTurn) async throws -> ReplyStream {
        let (target, snapshots, retried) = try await withRetry(turn) { target in
            try await graph.openStream(conversationID: target.conversationID, request: target.request)
        }
        return ReplyStream(service: self, turn: turn, target: target, snapshots: snapshots, retried: retried)
    }

    /// A started streamed reply.
    public struct ReplyStream: Sendable {
        let service: ChatService
        let turn: PreparedTurn
        var target: Target
        var snapshots: GraphSnapshotStream
        var retried: Bool

        /// Calls `emit` with each new piece of text, in order, and returns the whole reply as sent.
        /// Copilot's snapshots are cumulative; `StreamingTextDiffer` makes them append-only. If Copilot
        /// fails before any text, the turn is retried once on a fresh conversation.
        public func run(emit: (String) async throws -> Void) async throws -> Reply {
            var stream = self
            let formatter = service.formatter
            var differ = StreamingTextDiffer()
            while true {
                var tracker = ReplyTracker(prompt: stream.target.request.message.text)
                do {
                    try await stream.snapshots.forEach { snapshot in
                        guard tracker.ingest(snapshot) else { return }
                        let delta = differ.delta(for: formatter.format(tracker.rawText, sources: tracker.sources, isComplete: false))
                        if !delta.isEmpty { try await emit(delta) }
                    }
                    guard tracker.sawFinalSnapshot || tracker.disengaged else { throw UpstreamError.streamInterrupted }
                    let complete = formatter.format(tracker.rawText, sources: tracker.sources, isComplete: true)
                    let delta = differ.delta(for: complete)
                    if !delta.isEmpty { try await emit(delta) }
                    if differ.basis != complete {
                        service.logger.notice("Copilot rewrote text it had already streamed; the client keeps the text it was sent")
                    }
                    var reply = try await service.settle(turn, stream.target, text: differ.sent, disengaged: tracker.disengaged)
                    if reply.finishReason == "content_filter", differ.sent.isEmpty {
                        try await emit(reply.text)
                    } else {
                        reply.text = differ.sent
                    }
                    return reply
                } catch {
                    let nothingSeen = differ.sent.isEmpty && tracker.rawText.isEmpty
                    await service.abandon(stream.target, changedUpstream: !nothingSeen)
                    guard nothingSeen, !stream.retried, service.shouldRetry(error) else { throw error }
                    service.logger.warning("Copilot failed before answering; retrying once on a fresh conversation", metadata: ["error": "\(error)"])
                    stream.retried = true
                    stream.target = try await service.freshTarget(turn)
                    stream.snapshots = try await service.graph.openStream(conversationID: stream.target.conversationID, request: stream.target.request)
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
    }

    /// Runs `operation` on the conversation that continues the history, or on a new one seeded with it.
    /// A continued conversation that Graph no longer knows (404/410) is replaced by a new one; a 5xx,
    /// timeout or transport failure is retried once on a new one (`COPILOT_RETRY_ON_5XX`).
    private func withRetry<T>(_ turn: PreparedTurn, _ operation: (Target) async throws -> T) async throws -> (Target, T, Bool) {
        var mayContinue = !settings.alwaysNewConversation
        var retried = false
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
                    mayContinue = false
                    continue
                }
                guard !retried, shouldRetry(error) else { throw error }
                logger.warning("Copilot failed before answering; retrying once on a fresh conversation", metadata: ["error": "\(error)"])
                retried = true
                mayContinue = false
            }
        }
    }

    /// The recorded conversation that continues this history, if there is one and it is free.
    private func continuingTarget(_ turn: PreparedTurn) async -> Target? {
        let key = ConversationDirectory.key(scope: turn.scope, instructions: turn.instructions, entries: turn.history)
        guard let record = await directory.claim(key) else { return nil }
        return Target(
            conversationID: record.conversationID, request: request(for: turn, seeded: false), claimedKey: key,
            turnCount: record.turnCount + 1, createdAt: record.createdAt)
    }

    /// A new conversation, seeded with the system prompt and the earlier turns.
    func freshTarget(_ turn: PreparedTurn) async throws -> Target {
        let conversationID = try await graph.createConversation()
        return Target(conversationID: conversationID, request: request(for: turn, seeded: true), claimedKey: nil, turnCount: 1, createdAt: Date())
    }

    /// The turn failed: its claim is released, or dropped when Copilot may have recorded part of it.
    func abandon(_ target: Target, changedUpstream: Bool) async {
        guard let key = target.claimedKey else { return }
        if changedUpstream { await directory.discard(key) } else { await directory.release(key) }
    }

    func shouldRetry(_ error: any Error) -> Bool {
        guard settings.retryOnServerError, let error = error as? UpstreamError else { return false }
        switch error {
        case .status(let status, _, _, _): return (500...599).contains(status)
        case .timeout, .transport, .streamInterrupted, .inBand: return true
        default: return false
        }
    }

    static func isGone(_ error: any Error) -> Bool {
        guard case .status(let status, _, _, _)? = error as? UpstreamError else { return false }
        return status == 404 || status == 410
    }

    /// After a reply: the conversation is recorded under the history the client will send next, or
    /// forgotten when Copilot disengaged (the reply then ends with `content_filter`).
    func settle(_ turn: PreparedTurn, _ target: Target, text: String, disengaged: Bool) async throws -> Reply {
        if disengaged {
            if let key = target.claimedKey { await directory.discard(key) }
            let refusal = text.isEmpty ? "Copilot declined to answer this message." : text
            return Reply(text: refusal, usage: usage(target.request, refusal), finishReason: "content_filter")
        }
        guard !text.isEmpty else {
            await abandon(target, changedUpstream: true)
            throw UpstreamError.emptyReply
        }
        if !settings.alwaysNewConversation {
            let next = turn.history + turn.newTurn + [PreparedTurn.Entry(role: .assistant, text: text)]
            let nextKey = ConversationDirectory.key(scope: turn.scope, instructions: turn.instructions, entries: next)
            await directory.finish(
                claimed: target.claimedKey, conversationID: target.conversationID, turnCount: target.turnCount,
                createdAt: target.createdAt, nextKey: nextKey)
        }
        return Reply(text: text, usage: usage(target.request, text), finishReason: "stop")
    }

    /// The Graph body for `turn`. A new conversation also gets the system prompt and the earlier turns
    /// as `additionalContext`, so Copilot can continue a conversation that began elsewhere.
    func request(for turn: PreparedTurn, seeded: Bool) -> GraphChatRequest {
        var context: [GraphChatRequest.ContextEntry] = []
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
