import Foundation
import Logging

/// Which Copilot conversation continues which history.
///
/// A client resends the whole history on every turn. After each reply the directory records the
/// fingerprint of the history the client's next request will carry (caller, session, system prompt,
/// every turn including this reply). A request whose history before its new message has a recorded
/// fingerprint continues that conversation with only the new message; anything else (a first turn,
/// an edited or truncated history, a changed system prompt, an expired entry) starts a new one.
///
/// - A claimed entry is in use by a running turn: a second request with the same history at the same
///   time gets a conversation of its own, so turns are never interleaved.
/// - Two conversations that end with the same fingerprint make it ambiguous: neither is continued
///   from it, so two callers never share a conversation.
/// - Entries expire after the idle TTL (sliding), and the least recently used go beyond the cap.
/// - Every change is written through to the store, so a restart continues every live conversation.
actor ConversationDirectory {
    private var records: [String: ConversationRecord] = [:]
    private var claims: [String: ContinuousClock.Instant] = [:]
    private let store: any ConversationStore
    private let ttl: TimeInterval
    private let capacity: Int
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// A claim older than this belongs to a turn that never finished (its client went away).
    private let claimLifetime: Duration = .seconds(900)

    init(store: any ConversationStore, ttl: Duration, capacity: Int, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) async throws {
        self.store = store
        self.ttl = Double(ttl.components.seconds)
        self.capacity = max(1, capacity)
        self.logger = logger
        self.now = now
        let loaded = try await store.loadAll()
        let moment = now()
        for record in loaded where moment.timeIntervalSince(record.lastUsedAt) <= self.ttl {
            records[record.key] = record
        }
        let expired = loaded.map(\.key).filter { records[$0] == nil }
        if !expired.isEmpty { try? await store.apply(saving: [], removing: expired) }
        if !records.isEmpty { logger.info("Continuing saved conversations", metadata: ["count": "\(records.count)"]) }
    }

    /// The conversation that continues the history with fingerprint `key`, now reserved for one turn;
    /// nil when a new conversation is needed. Call `finish`, `release` or `discard` afterwards.
    func claim(_ key: String) -> ConversationRecord? {
        guard let record = records[key], !record.isAmbiguous else { return nil }
        guard now().timeIntervalSince(record.lastUsedAt) <= ttl else { return nil }
        if let claimed = claims[key], ContinuousClock.now - claimed < claimLifetime { return nil }
        claims[key] = .now
        return record
    }

    /// The turn did not reach Copilot's conversation: it can be continued from `key` again.
    func release(_ key: String) {
        claims[key] = nil
    }

    /// The turn may have changed Copilot's conversation, but not in a way that can be recorded.
    func discard(_ key: String) async {
        claims[key] = nil
        guard records.removeValue(forKey: key) != nil else { return }
        await write(saving: [], removing: [key])
    }

    /// A turn on `conversationID` finished: it is continued from `nextKey` from now on. The claimed
    /// entry it came from no longer describes the conversation and goes.
    func finish(
        claimed: String?, conversationID: String, turnCount: Int, createdAt: Date, nextKey: String, toolsDigest: String? = nil,
        account: String = AccountName.default
    ) async {
        var removing: [String] = []
        if let claimed {
            claims[claimed] = nil
            if records.removeValue(forKey: claimed) != nil { removing.append(claimed) }
        }
        let moment = now()
        var record = ConversationRecord(
            key: nextKey, conversationID: conversationID, turnCount: turnCount, createdAt: createdAt, lastUsedAt: moment, toolsDigest: toolsDigest,
            account: account)
        if let existing = records[nextKey], existing.conversationID != conversationID || existing.account != account, moment.timeIntervalSince(existing.lastUsedAt) <= ttl {
            logger.debug("Two conversations reached the same history; neither is continued from it")
            record = ConversationRecord(key: nextKey, conversationID: "", turnCount: 0, createdAt: moment, lastUsedAt: moment, isAmbiguous: true)
        }
        records[nextKey] = record
        removing += evict(at: moment)
        await write(saving: [record], removing: removing.filter { $0 != nextKey })
    }

    /// Expired entries, and the least recently used tenth when over the cap.
    private func evict(at moment: Date) -> [String] {
        guard records.count > capacity else { return [] }
        var gone = records.values.filter { moment.timeIntervalSince($0.lastUsedAt) > ttl }.map(\.key)
        for key in gone { records[key] = nil }
        if records.count > capacity {
            let excess = records.count - capacity + capacity / 10
            let oldest = records.values.sorted { $0.lastUsedAt < $1.lastUsedAt }.prefix(excess).map(\.key)
            for key in oldest { records[key] = nil }
            gone += oldest
        }
        return gone
    }

    /// Saves a change the map has already made. The turn that made it may have been cancelled (its
    /// client went away), but the map has moved on all the same: the write runs in a task of its own,
    /// which that cancellation does not reach, so the stored copy never falls behind.
    private func write(saving: [ConversationRecord], removing: [String]) async {
        let store = store
        do {
            try await Task { try await store.apply(saving: saving, removing: removing) }.value
        } catch {
            // The conversation goes on from memory; only a restart would lose it.
            logger.error("Could not save the conversation state", metadata: ["error": "\(error)"])
        }
    }

    var count: Int { records.count }
}
