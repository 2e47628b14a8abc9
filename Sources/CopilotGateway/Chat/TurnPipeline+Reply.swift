import Logging

/// Reading one attempt's reply and handing it on as events.
extension TurnPipeline {
    /// Reads the reply's snapshots and emits its text as it becomes final; then reads the complete
    /// reply (asking Copilot once more when it lacks the required form), emits the rest, records the
    /// conversation and emits `.finished`.
    ///
    /// Copilot's snapshots are cumulative; `StreamingTextDiffer` makes them append-only. With tools
    /// offered, text that may turn out to be a call is held back until it is clear; when the turn
    /// demands a call or JSON, or is answered whole, nothing is emitted before the reply is complete.
    func deliver(_ turn: TurnRequest, _ attempt: Attempt, progress: inout ReplyProgress, emit: (ReplyEvent) async throws -> Void) async throws -> TurnReply {
        let holdsEverything = attempt.isWhole || turn.responseFormat != .text || turn.tools?.requiresCall == true
        progress.tracker = ReplyTracker(prompt: attempt.target.request.message.text)
        progress.isWhole = attempt.isWhole
        var changed = false
        try await attempt.snapshots.forEach { snapshot in
            if progress.tracker.ingest(snapshot) { changed = true }
        } afterEachRead: {
            // Snapshots that came in one read are formatted and sent as one delta.
            guard changed, !holdsEverything else { return }
            changed = false
            var visible = formatter.format(
                progress.tracker.rawText, sources: progress.tracker.sources, isComplete: false, continuing: &progress.formatting)
            if turn.tools != nil { visible = ToolCallReader.textBeforePossibleCall(visible) }
            try await progress.send(visible, emit)
        }
        let tracker = progress.tracker
        guard attempt.isWhole || tracker.sawFinalSnapshot || tracker.disengaged else { throw UpstreamError.streamInterrupted }
        let complete = formatter.format(tracker.rawText, sources: tracker.sources, isComplete: true, continuing: &progress.formatting)
        let reply: TurnReply
        if tracker.disengaged {
            reply = try await refusal(complete, attempt.target, progress: &progress, emit: emit)
        } else {
            let reading = try await read(complete, turn, attempt, progress: &progress)
            reply = try await answer(reading, turn, attempt.target, progress: &progress, emit: emit)
        }
        try await emit(.finished(reply.finishReason, reply.usage))
        return reply
    }

    /// Copilot disengaged: the conversation is forgotten and the reply ends with `contentFilter`.
    private func refusal(_ text: String, _ target: ConversationPlan.Target, progress: inout ReplyProgress, emit: (ReplyEvent) async throws -> Void) async throws -> TurnReply {
        await plan.abandon(target, changedUpstream: true)
        let refusal = text.isEmpty ? "Copilot declined to answer this message." : text
        try await progress.send(refusal, emit)
        return TurnReply(text: refusal, finishReason: .contentFilter, usage: usage(target.request, refusal))
    }

    /// The rest of an answer or the tool calls go out, and the conversation is recorded under the
    /// history the client will send next. The client keeps the text it was sent, even when Copilot
    /// rewrote some of it later.
    private func answer(
        _ reading: ReplyReading, _ turn: TurnRequest, _ target: ConversationPlan.Target, progress: inout ReplyProgress,
        emit: (ReplyEvent) async throws -> Void
    ) async throws -> TurnReply {
        switch reading {
        case .calls(let calls, let leading):
            try await progress.send(leading, emit)
            for event in Self.events(for: calls) { try await emit(event) }
            let text = progress.differ.sent
            await plan.record(turn, target, reply: .assistant([.text(text)], calls: calls.map { HistoryCall(id: $0.id, name: $0.name, arguments: $0.arguments) }))
            let written = Transcript.assistantTurn(content: text, calls: calls.map { ($0.name, $0.arguments) })
            return TurnReply(text: text, toolCalls: calls, finishReason: .toolCalls, usage: usage(target.request, written))
        case .answer(let text):
            try await progress.send(text, emit)
            if progress.differ.basis != text {
                logger.notice("Copilot rewrote text it had already streamed; the client keeps the text it was sent")
            }
            let sent = progress.differ.sent
            guard !sent.isEmpty else {
                await plan.abandon(target, changedUpstream: true)
                throw UpstreamError.emptyReply
            }
            await plan.record(turn, target, reply: .assistant([.text(sent)]))
            return TurnReply(text: sent, finishReason: .stop, usage: usage(target.request, sent))
        case .needsCorrection:
            throw UpstreamError.wrongForm("the required form")
        }
    }

    /// What a complete reply means for the client: an answer, or tool calls. When the turn demands a
    /// call or JSON and the reply is neither, Copilot is asked once more in the same conversation.
    func read(_ text: String, _ turn: TurnRequest, _ attempt: Attempt, progress: inout ReplyProgress) async throws -> ReplyReading {
        let first = ReplyReading.of(text, tools: turn.tools, format: turn.responseFormat)
        guard case .needsCorrection(let need) = first else { return first }
        logger.info("Copilot's reply did not have the required form; asking once more")
        progress.askedAgain = true
        let instruction = CopilotPrompt.correction(need, format: turn.responseFormat)
        let snapshot = try await attempt.upstream.chat(conversationID: attempt.target.conversationID, request: plan.prompt.followUp(instruction))
        var tracker = ReplyTracker(prompt: instruction)
        tracker.ingest(snapshot)
        let second = ReplyReading.of(formatter.format(tracker.rawText, sources: tracker.sources, isComplete: true), tools: turn.tools, format: turn.responseFormat)
        guard case .needsCorrection = second else { return second }
        // A tool call that was optional and is still unusable: the answer is the text around it.
        let remaining = ToolCallReader.withoutCallBlocks(text)
        if turn.responseFormat == .text, turn.tools?.requiresCall == false, !remaining.isEmpty { return .answer(remaining) }
        throw UpstreamError.wrongForm(turn.responseFormat == .text ? "a usable tool call" : "a JSON object")
    }

    /// Each call: its start (id and name once), then its arguments in pieces of at most 256 characters.
    static func events(for calls: [CopilotToolCall]) -> [ReplyEvent] {
        var events: [ReplyEvent] = []
        for (index, call) in calls.enumerated() {
            events.append(.toolCallStarted(index: index, id: call.id, name: call.name))
            var rest = Substring(call.arguments)
            while !rest.isEmpty {
                events.append(.toolCallArguments(index: index, fragment: String(rest.prefix(256))))
                rest = rest.dropFirst(256)
            }
        }
        return events
    }

    /// Estimated tokens: everything sent for the turn in, the reply out.
    func usage(_ request: GraphChatRequest, _ reply: String) -> TokenUsage {
        let sent = [request.message.text] + (request.additionalContext ?? []).map(\.text)
        return TokenUsage(input: TokenEstimator.estimate(sent), output: TokenEstimator.estimate([reply]))
    }
}

/// What one attempt has seen and sent so far.
struct ReplyProgress {
    var tracker = ReplyTracker(prompt: "")
    var differ = StreamingTextDiffer()
    var formatting = ReplyFormatter.Progress()
    /// Answered whole: nothing reaches the client before the reply is complete.
    var isWhole = false
    /// Copilot was asked again for the required form, in the same conversation.
    var askedAgain = false

    /// Whether a failure now is past retrying: text reached the client, Copilot was asked again, or
    /// (streamed) text arrived from Copilot.
    var sawText: Bool { !differ.sent.isEmpty || askedAgain || (!isWhole && !tracker.rawText.isEmpty) }

    /// Emits what `text` adds to what was sent.
    mutating func send(_ text: String, _ emit: (ReplyEvent) async throws -> Void) async throws {
        let delta = differ.delta(for: text)
        if !delta.isEmpty { try await emit(.textDelta(delta)) }
    }
}
