import Foundation
import Logging

extension ChatService {
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
}
