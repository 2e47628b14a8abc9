import Logging
import Testing

@testable import CopilotGateway

/// The core driven in memory: a fake Copilot, no sockets, no HTTP.
@Suite struct TurnPipelineTests {
    func pipeline(_ upstream: FakeCopilotUpstream, maxConcurrent: Int = 4, queueWait: Duration = .seconds(30)) async throws -> TurnPipeline {
        let logger = Logger(label: "test")
        let directory = try await ConversationDirectory(store: MemoryConversationStore(), ttl: .seconds(600), capacity: 10, logger: logger)
        return TurnPipeline(
            upstream: upstream,
            settings: .init(
                timeZone: "UTC", webEnabled: false, alwaysNewConversation: false, retryOnServerError: true, citations: .markdown,
                maxConcurrentTurns: maxConcurrent, maxQueueWait: queueWait),
            directory: directory, logger: logger)
    }

    func turn(_ entries: [TurnEntry], stream: Bool = true, tools: ToolCatalogue? = nil) throws -> TurnRequest {
        try TurnRequest(model: "copilot", instructions: ["Be brief."], entries: entries, tools: tools, stream: stream)
    }

    /// Runs the turn and returns what it emitted, with the reply.
    func run(_ pipeline: TurnPipeline, _ turn: TurnRequest) async throws -> ([ReplyEvent], TurnReply) {
        var events: [ReplyEvent] = []
        let reply = try await pipeline.start(turn).run { events.append($0) }
        return (events, reply)
    }

    static func text(_ events: [ReplyEvent]) -> String {
        events.map { if case .textDelta(let text) = $0 { text } else { "" } }.joined()
    }

    @Test func aStreamedTurnSendsItsTextInPiecesThenFinishesAndIsContinuedNextTime() async throws {
        let upstream = FakeCopilotUpstream { message, _ in .reply("You said: \(message).", snapshots: 4) }
        let pipeline = try await pipeline(upstream)
        let (events, reply) = try await run(pipeline, try turn([.user([.text("hi")])]))
        #expect(Self.text(events) == "You said: hi.")
        #expect(events.filter { if case .textDelta = $0 { true } else { false } }.count > 1, "the text arrives in pieces")
        #expect(events.last == .finished(.stop, reply.usage))
        #expect(reply.text == "You said: hi." && reply.finishReason == .stop)

        let next = try turn([.user([.text("hi")]), .assistant([.text(reply.text)]), .user([.text("again")])], stream: false)
        let (_, second) = try await run(pipeline, next)
        #expect(second.text == "You said: again.")
        #expect(upstream.conversationsCreated == 1, "the second turn continues the first turn's conversation")
        #expect((upstream.sent.last?.request.additionalContext ?? []).allSatisfy { $0.description != "earlier turns of this conversation" })
    }

    @Test func aToolCallBecomesCallEventsWithItsArgumentsInPieces() async throws {
        let long = String(repeating: "x", count: 600)
        let upstream = FakeCopilotUpstream { _, _ in .reply(#"<tool_call>{"name": "get_weather", "arguments": {"city": "\#(long)"}}</tool_call>"#) }
        let tools = ToolCatalogue(tools: [ToolCallReaderTests.weather], choice: .auto, allowsParallelCalls: true)
        let (events, reply) = try await run(try await pipeline(upstream), try turn([.user([.text("weather?")])], tools: tools))
        let call = try #require(reply.toolCalls.first)
        #expect(events.first == .toolCallStarted(index: 0, id: call.id, name: "get_weather"))
        let fragments = events.compactMap { if case .toolCallArguments(0, let fragment) = $0 { fragment } else { nil } }
        #expect(fragments.count == 3 && fragments.allSatisfy { $0.count <= 256 })
        #expect(fragments.joined() == #"{"city":"\#(long)"}"#)
        #expect(events.last == .finished(.toolCalls, reply.usage))
        #expect(Self.text(events).isEmpty, "nothing of the call leaks out as text")
    }

    @Test func aStreamThatBreaksBeforeAnyTextIsRetriedOnceOnANewConversation() async throws {
        let upstream = FakeCopilotUpstream { _, number in number == 1 ? .failure(.streamInterrupted) : .reply("Recovered.") }
        let (events, reply) = try await run(try await pipeline(upstream), try turn([.user([.text("hi")])]))
        #expect(reply.text == "Recovered." && Self.text(events) == "Recovered.")
        #expect(upstream.conversationsCreated == 2)
    }

    @Test func aSecondFailureIsNotRetriedAndReachesTheCallerAsADomainError() async throws {
        let upstream = FakeCopilotUpstream { _, _ in .failure(.status(503, code: nil, message: nil, retryAfter: nil)) }
        let pipeline = try await pipeline(upstream)
        await #expect(throws: UpstreamError.status(503, code: nil, message: nil, retryAfter: nil)) {
            try await pipeline.start(try turn([.user([.text("hi")])], stream: false)).run { _ in }
        }
        #expect(upstream.sent.count == 2, "one retry, on a new conversation")
    }

    @Test func whenEveryPlaceIsTakenAnotherTurnIsRefusedUntilOneEnds() async throws {
        let upstream = FakeCopilotUpstream { _, _ in .reply("ok") }
        let pipeline = try await pipeline(upstream, maxConcurrent: 1, queueWait: .zero)
        let first = try await pipeline.start(try turn([.user([.text("one")])]))
        await #expect(throws: TurnError.upstreamBusy(limit: 1, waitedSeconds: 0)) { try await pipeline.start(try turn([.user([.text("two")])])) }
        _ = try await first.run { _ in }
        #expect(try await pipeline.start(try turn([.user([.text("three")])])).run { _ in }.text == "ok")
    }

    @Test func aStartedTurnThatIsNeverRunGivesItsPlaceBack() async throws {
        let upstream = FakeCopilotUpstream { _, _ in .reply("ok") }
        let pipeline = try await pipeline(upstream, maxConcurrent: 1, queueWait: .zero)
        var dropped: StartedTurn? = try await pipeline.start(try turn([.user([.text("one")])]))
        #expect(dropped != nil)
        dropped = nil
        // Polled: it passes as soon as the place is free; the long bound only spares a loaded machine.
        let deadline = ContinuousClock.now + .seconds(10)
        var started: StartedTurn?
        while started == nil, ContinuousClock.now < deadline {
            started = try? await pipeline.start(try turn([.user([.text("two")])]))
            if started == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(started != nil, "the dropped turn's place came free")
    }

    @Test func aWholeReplyThatFormatsToNothingIsRetriedOnceOnANewConversation() async throws {
        let upstream = FakeCopilotUpstream { _, number in number == 1 ? .reply("<Person></Person>") : .reply("Hello.") }
        let (_, reply) = try await run(try await pipeline(upstream), try turn([.user([.text("hi")])], stream: false))
        #expect(reply.text == "Hello.")
        #expect(upstream.conversationsCreated == 2)
    }

    @Test func aCorrectionThatFailsIsNotRetriedOnAnotherConversation() async throws {
        let upstream = FakeCopilotUpstream { _, number in number == 1 ? .reply("") : .failure(.status(500, code: nil, message: nil, retryAfter: nil)) }
        let pipeline = try await pipeline(upstream)
        let json = try TurnRequest(model: "copilot", instructions: [], entries: [.user([.text("mood?")])], responseFormat: .jsonObject, stream: false)
        await #expect(throws: UpstreamError.status(500, code: nil, message: nil, retryAfter: nil)) { try await pipeline.start(json).run { _ in } }
        #expect(upstream.sent.count == 2, "the turn and the correction, nothing on a new conversation")
        #expect(upstream.sent.map(\.conversationID) == ["conversation-1", "conversation-1"])
    }
}
