import Logging

/// One chat turn against Copilot: picks or creates the conversation, sends the turn, reads the reply.
public struct ChatService: Sendable {
    public struct Settings: Sendable {
        public var timeZone: String
        public var webEnabled: Bool
        public var alwaysNewConversation: Bool
        public var sessionTTL: Duration

        public init(timeZone: String, webEnabled: Bool, alwaysNewConversation: Bool, sessionTTL: Duration) {
            self.timeZone = timeZone
            self.webEnabled = webEnabled
            self.alwaysNewConversation = alwaysNewConversation
            self.sessionTTL = sessionTTL
        }

        public init(_ configuration: GatewayConfiguration) {
            self.init(
                timeZone: configuration.timeZone, webEnabled: configuration.webEnabled,
                alwaysNewConversation: configuration.alwaysNewConversation, sessionTTL: configuration.sessionTTL)
        }
    }

    /// A finished reply.
    public struct Reply: Sendable, Equatable {
        public var text: String
        public var usage: Usage
    }

    let graph: GraphClient
    let settings: Settings
    let sessions: ConversationSessions
    let logger: Logger

    public init(graph: GraphClient, settings: Settings, logger: Logger) {
        self.graph = graph
        self.settings = settings
        self.sessions = ConversationSessions(ttl: settings.sessionTTL)
        self.logger = logger
    }

    /// The turn answered whole (Graph `chat`).
    public func complete(_ turn: PreparedTurn) async throws -> Reply {
        let (target, snapshot) = try await withConversation(for: turn) { target in
            (target, try await graph.chat(conversationID: target.conversationID, request: target.request))
        }
        var tracker = ReplyTracker(prompt: target.request.message.text)
        tracker.ingest(snapshot)
        let text = ReplyFormatter.format(tracker.rawText, isComplete: true)
        try await settle(turn, target, disengaged: tracker.disengaged, hasText: !text.isEmpty)
        return Reply(text: text, usage: usage(target.request, text))
    }

    /// The turn streamed (Graph `chatOverStream`). Returns once Copilot has accepted the turn, so that
    /// failures before that are ordinary HTTP errors; the reply then comes from `ReplyStream.run`.
    public func stream(_ turn: PreparedTurn) async throws -> ReplyStream {
        let (target, snapshots) = try await withConversation(for: turn) { target in
            (target, try await graph.openStream(conversationID: target.conversationID, request: target.request))
        }
        return ReplyStream(service: self, turn: turn, target: target, snapshots: snapshots)
    }

    /// A started streamed reply.
    public struct ReplyStream: Sendable {
        let service: ChatService
        let turn: PreparedTurn
        let target: Target
        let snapshots: GraphSnapshotStream

        /// Calls `emit` with each new piece of text, in order, and returns the whole reply as sent.
        /// Copilot's snapshots are cumulative; `StreamingTextDiffer` makes them append-only.
        public func run(emit: (String) async throws -> Void) async throws -> Reply {
            var tracker = ReplyTracker(prompt: target.request.message.text)
            var differ = StreamingTextDiffer()
            try await snapshots.forEach { snapshot in
                guard tracker.ingest(snapshot) else { return }
                let delta = differ.delta(for: ReplyFormatter.format(tracker.rawText, isComplete: false))
                if !delta.isEmpty { try await emit(delta) }
            }
            guard tracker.sawFinalSnapshot || tracker.disengaged else { throw UpstreamError.streamInterrupted }
            let delta = differ.delta(for: ReplyFormatter.format(tracker.rawText, isComplete: true))
            if !delta.isEmpty { try await emit(delta) }
            if differ.basis != ReplyFormatter.format(tracker.rawText, isComplete: true) {
                service.logger.notice("Copilot rewrote text it had already streamed; the client keeps the text it was sent")
            }
            try await service.settle(turn, target, disengaged: tracker.disengaged, hasText: !differ.sent.isEmpty)
            return Reply(text: differ.sent, usage: service.usage(target.request, differ.sent))
        }
    }

    /// Where a turn goes: the conversation and the body to send it.
    struct Target: Sendable {
        var conversationID: String
        var request: GraphChatRequest
        var isNew: Bool
    }

    /// Runs `operation` on the session's conversation, or on a new one seeded with the history.
    /// A reused conversation that Graph no longer knows (404/410) is replaced once, before any reply text.
    private func withConversation<T>(for turn: PreparedTurn, _ operation: (Target) async throws -> T) async throws -> T {
        if !settings.alwaysNewConversation, let key = turn.sessionKey, let existing = await sessions.conversation(for: key) {
            let target = Target(conversationID: existing, request: request(for: turn, seeded: false), isNew: false)
            do {
                return try await operation(target)
            } catch UpstreamError.status(let status, _, _, _) where status == 404 || status == 410 {
                logger.info("The session's Copilot conversation is gone; starting a new one", metadata: ["status": "\(status)"])
                await sessions.forget(key)
            }
        }
        let conversationID = try await graph.createConversation()
        return try await operation(Target(conversationID: conversationID, request: request(for: turn, seeded: true), isNew: true))
    }

    /// After a turn: remember the conversation for the session, or drop it if Copilot disengaged.
    func settle(_ turn: PreparedTurn, _ target: Target, disengaged: Bool, hasText: Bool) async throws {
        if let key = turn.sessionKey, !settings.alwaysNewConversation {
            if disengaged {
                await sessions.forget(key)
            } else if hasText {
                await sessions.record(target.conversationID, for: key)
            }
        }
        if disengaged && !hasText { throw UpstreamError.refused }
        if !hasText { throw UpstreamError.emptyReply }
    }

    /// The Graph body for `turn`. A new conversation also gets the system prompt and the earlier turns
    /// as `additionalContext`, so Copilot can continue a conversation that began elsewhere.
    func request(for turn: PreparedTurn, seeded: Bool) -> GraphChatRequest {
        var context: [GraphChatRequest.ContextEntry] = []
        if seeded {
            if let instructions = turn.instructions {
                context.append(.init(text: "Instructions for this conversation (follow them):\n\(instructions)", description: "system prompt"))
            }
            if let transcript = Self.transcript(turn.history, limit: 16_000) {
                context.append(.init(text: transcript, description: "earlier turns of this conversation"))
            }
        }
        for reminder in turn.reminders {
            context.append(.init(text: reminder, description: "context for this message"))
        }
        return GraphChatRequest(text: turn.prompt, timeZone: settings.timeZone, webEnabled: settings.webEnabled, additionalContext: context)
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
