import Foundation
import Logging

/// Which Copilot conversation a turn goes to, and the one retry policy before any text reached the client.
extension ChatService {
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
    func withRetry<T>(_ turn: PreparedTurn, fresh: Bool = false, _ operation: (Target) async throws -> T) async throws -> (Target, T, Bool) {
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
    func continuingTarget(_ turn: PreparedTurn) async -> Target? {
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
}
