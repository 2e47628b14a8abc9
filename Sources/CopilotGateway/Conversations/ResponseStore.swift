import Foundation

/// An answer the gateway keeps for its Responses API (`previous_response_id`, `GET /v1/responses/{id}`):
/// who asked, when, and the dialect's own record of it, which the store does not read.
public struct StoredResponse: Sendable, Equatable {
    public var id: String
    /// Who asked: only the same caller may read it or continue from it.
    public var caller: String
    public var createdAt: Date
    public var payload: Data

    public init(id: String, caller: String, createdAt: Date, payload: Data) {
        self.id = id
        self.caller = caller
        self.createdAt = createdAt
        self.payload = payload
    }
}

/// Where stored responses live: in memory, or beside the conversations in SQLite.
public protocol ResponseStore: Sendable {
    func save(_ response: StoredResponse) async throws
    func response(id: String) async throws -> StoredResponse?
    /// Whether there was one to delete.
    func deleteResponse(id: String) async throws -> Bool
    /// Forgets the responses made before `date` (they have outlived the session TTL), and the oldest
    /// beyond the newest `limit`.
    func prune(before date: Date, keepingAtMost limit: Int) async throws
}

/// Stored responses in memory (tests, and the demo mode, whose simulator forgets its conversations too).
public actor MemoryResponseStore: ResponseStore {
    private var responses: [String: StoredResponse] = [:]

    public init() {}

    public func save(_ response: StoredResponse) { responses[response.id] = response }
    public func response(id: String) -> StoredResponse? { responses[id] }
    public func deleteResponse(id: String) -> Bool { responses.removeValue(forKey: id) != nil }
    public func prune(before date: Date, keepingAtMost limit: Int) {
        responses = responses.filter { $0.value.createdAt >= date }
        guard responses.count > limit else { return }
        for old in responses.values.sorted(by: { $0.createdAt < $1.createdAt }).prefix(responses.count - limit) {
            responses[old.id] = nil
        }
    }
}
