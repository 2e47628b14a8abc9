import Foundation

/// An answer the gateway keeps for its Responses API (`previous_response_id`, `GET /v1/responses/{id}`):
/// who asked, when, the response it continues, and the dialect's own record of it and of its body,
/// which the store does not read.
public struct StoredResponse: Sendable, Equatable {
    public var id: String
    /// Who asked: only the same caller may read it or continue from it.
    public var caller: String
    public var createdAt: Date
    /// When it was kept or last continued (directly or by a later response of its conversation):
    /// the TTL counts from here, and the least recently used go first beyond the limits.
    public var usedAt: Date
    /// The kept response this one continues (`previous_response_id`), whose conversation comes first.
    public var previousID: String?
    /// The dialect's record: what this response added to its conversation.
    public var record: Data
    /// The response object as it was sent; nil in a record kept before bodies were kept apart (the
    /// record then holds it), and when the body was not asked for.
    public var body: Data?

    public init(id: String, caller: String, createdAt: Date, usedAt: Date? = nil, previousID: String? = nil, record: Data, body: Data?) {
        self.id = id
        self.caller = caller
        self.createdAt = createdAt
        self.usedAt = usedAt ?? createdAt
        self.previousID = previousID
        self.record = record
        self.body = body
    }

    /// What it counts against the limits: its record and its body.
    public var bytes: Int { record.count + (body?.count ?? 0) }
}

/// How much the kept responses may hold: responses in all (`COPILOT_MAX_CONVERSATIONS`), and bytes
/// per caller and in all (`GATEWAY_KEPT_RESPONSES_MB_PER_KEY`, `GATEWAY_KEPT_RESPONSES_MB`).
public struct KeptLimits: Sendable, Equatable {
    public var count: Int
    public var bytesPerCaller: Int
    public var bytes: Int

    public init(count: Int, bytesPerCaller: Int, bytes: Int) {
        self.count = count
        self.bytesPerCaller = bytesPerCaller
        self.bytes = bytes
    }

    /// Whether one response of `size` bytes may be kept at all.
    public func admits(_ size: Int) -> Bool { size <= min(bytesPerCaller, bytes) }
}

/// Where stored responses live: in memory, or beside the conversations in SQLite.
public protocol ResponseStore: Sendable {
    func save(_ response: StoredResponse) async throws
    /// The response `id`; its body only when `withBody` (continuing a conversation reads records only).
    func response(id: String, withBody: Bool) async throws -> StoredResponse?
    /// Whether there was one to delete.
    func deleteResponse(id: String) async throws -> Bool
    /// Marks the responses `ids` used at `date`.
    func touch(_ ids: [String], at date: Date) async throws
    /// Forgets the responses last used before `date` (they have outlived the TTL), and the least
    /// recently used beyond the newest `count` (cheap: both follow the index of last use).
    func prune(before date: Date, keepingAtMost count: Int) async throws
    /// Forgets the responses last used before `date`, then, least recently used first, those beyond a
    /// caller's bytes, beyond the bytes of all and beyond the count (this orders every response).
    func prune(before date: Date, limits: KeptLimits) async throws
}

/// Stored responses in memory (tests, and the demo mode, whose simulator forgets its conversations too).
public actor MemoryResponseStore: ResponseStore {
    private var responses: [String: StoredResponse] = [:]

    public init() {}

    public func save(_ response: StoredResponse) { responses[response.id] = response }

    public func response(id: String, withBody: Bool) -> StoredResponse? {
        guard var response = responses[id] else { return nil }
        if !withBody, response.body != nil { response.body = nil }
        return response
    }

    public func deleteResponse(id: String) -> Bool { responses.removeValue(forKey: id) != nil }

    public func touch(_ ids: [String], at date: Date) {
        for id in ids { responses[id]?.usedAt = date }
    }

    public func prune(before date: Date, keepingAtMost count: Int) {
        prune(before: date, limits: KeptLimits(count: count, bytesPerCaller: .max, bytes: .max))
    }

    public func prune(before date: Date, limits: KeptLimits) {
        var callerBytes: [String: Int] = [:]
        let withinCallers = responses.values.sorted(by: StoredResponse.mostRecentlyUsedFirst).filter { response in
            guard response.usedAt >= date else { return false }
            callerBytes[response.caller, default: 0] += response.bytes
            return callerBytes[response.caller, default: 0] <= limits.bytesPerCaller
        }
        var totalBytes = 0
        let kept = withinCallers.prefix(limits.count).prefix { response in
            totalBytes += response.bytes
            return totalBytes <= limits.bytes
        }
        responses = Dictionary(uniqueKeysWithValues: kept.map { ($0.id, $0) })
    }
}

extension StoredResponse {
    /// The order the limits keep responses in: most recently used first, then the newest.
    static func mostRecentlyUsedFirst(_ one: StoredResponse, _ other: StoredResponse) -> Bool {
        (one.usedAt, one.createdAt, one.id) > (other.usedAt, other.createdAt, other.id)
    }
}
