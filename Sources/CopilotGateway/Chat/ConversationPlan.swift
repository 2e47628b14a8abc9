import Foundation

/// Which Copilot conversation a turn goes to, and what is recorded once it has been answered.
///
/// A turn continues the recorded conversation whose history fingerprint matches the turn's history
/// (claimed for this turn only), or goes to a new conversation seeded with the system prompt and the
/// history. After the reply the conversation is recorded under the history the client will send next.
struct ConversationPlan: Sendable {
    let directory: ConversationDirectory
    let prompt: CopilotPrompt
    /// `COPILOT_ALWAYS_NEW_CONVERSATION`: never continue, never record.
    let alwaysNewConversation: Bool

    /// Where a turn goes: the conversation and the body to send it.
    struct Target: Sendable {
        var conversationID: String
        var request: GraphChatRequest
        /// The directory entry this turn continues, claimed until the turn ends.
        var claimedKey: String?
        var turnCount: Int
        var createdAt: Date
        /// The tool catalogue Copilot knows in this conversation after this turn.
        var toolsDigest: String?
        /// The account whose Copilot conversation it is.
        var account: String
    }

    /// The recorded conversation that continues this history, if there is one and it is free.
    func continuing(_ turn: TurnRequest) async -> Target? {
        guard !alwaysNewConversation else { return nil }
        let key = Transcript.fingerprint(scope: turn.scope, instructions: turn.instructions, lines: turn.historyLines)
        guard let record = await directory.claim(key) else { return nil }
        let digest = turn.tools.map(CopilotPrompt.catalogueDigest)
        // Copilot knows a catalogue from an earlier turn: without tools this turn (or with
        // `tool_choice: "none"`) it must be told so, or it may call one from memory.
        let noToolsThisTurn = turn.tools == nil && record.toolsDigest != nil
        return Target(
            conversationID: record.conversationID,
            request: prompt.request(for: turn, seeded: false, withCatalogue: digest.map { $0 != record.toolsDigest } ?? false, noToolsThisTurn: noToolsThisTurn),
            claimedKey: key, turnCount: record.turnCount + 1, createdAt: record.createdAt, toolsDigest: digest ?? record.toolsDigest,
            account: record.account)
    }

    /// A new conversation of `account` on its `upstream`, seeded with the system prompt and the earlier turns.
    func fresh(_ turn: TurnRequest, account: String, upstream: any CopilotUpstream) async throws -> Target {
        let conversationID = try await upstream.createConversation()
        return Target(
            conversationID: conversationID, request: prompt.request(for: turn, seeded: true, withCatalogue: turn.tools != nil),
            claimedKey: nil, turnCount: 1, createdAt: Date(), toolsDigest: turn.tools.map(CopilotPrompt.catalogueDigest), account: account)
    }

    /// The turn failed: its claim is released, or the entry dropped when Copilot may have recorded part of it.
    func abandon(_ target: Target, changedUpstream: Bool) async {
        guard let key = target.claimedKey else { return }
        if changedUpstream { await directory.discard(key) } else { await directory.release(key) }
    }

    /// After a reply: the conversation is continued from the history the client will send next, which
    /// ends with `reply`.
    func record(_ turn: TurnRequest, _ target: Target, reply: TurnEntry) async {
        guard !alwaysNewConversation else { return }
        let next = turn.historyLines + turn.newTurnLines + Transcript.lines([reply])
        await directory.finish(
            claimed: target.claimedKey, conversationID: target.conversationID, turnCount: target.turnCount, createdAt: target.createdAt,
            nextKey: Transcript.fingerprint(scope: turn.scope, instructions: turn.instructions, lines: next), toolsDigest: target.toolsDigest,
            account: target.account)
    }
}
