/// Which Copilot conversation each client session is in, with a sliding idle TTL and a size cap.
actor ConversationSessions {
    struct Entry {
        var conversationID: String
        var lastUsed: ContinuousClock.Instant
    }

    private var entries: [String: Entry] = [:]
    let ttl: Duration
    let capacity: Int

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The live conversation of `key`, if it was used within the TTL.
    func conversation(for key: String) -> String? {
        guard let entry = entries[key] else { return nil }
        guard ContinuousClock.now - entry.lastUsed <= ttl else {
            entries[key] = nil
            return nil
        }
        return entry.conversationID
    }

    /// Records that `key` just used `conversationID`; the least recently used session goes when full.
    func record(_ conversationID: String, for key: String) {
        let now = ContinuousClock.now
        if entries[key] == nil, entries.count >= capacity {
            entries = entries.filter { now - $0.value.lastUsed <= ttl }
            if entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                entries[oldest.key] = nil
            }
        }
        entries[key] = Entry(conversationID: conversationID, lastUsed: now)
    }

    func forget(_ key: String) {
        entries[key] = nil
    }

    var count: Int { entries.count }
}
