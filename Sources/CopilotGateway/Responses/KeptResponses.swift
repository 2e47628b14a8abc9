import Foundation

/// The responses the Responses API keeps (unless `store: false`) for `previous_response_id` and
/// `GET`/`DELETE /v1/responses/{id}`: kept for the session TTL, at most `capacity` of them, and each
/// seen only by the caller that asked for it. Another caller's, an expired and an unknown id alike are
/// not found, so no caller learns that another's exists.
struct KeptResponses: Sendable {
    let store: any ResponseStore
    /// How long a response is kept (`COPILOT_SESSION_TTL`), and how many at most (`COPILOT_MAX_CONVERSATIONS`).
    let ttl: Duration
    let capacity: Int
    var now: @Sendable () -> Date = Date.init

    /// Keeps `record` as `id` for `caller`, then forgets what is past the TTL or beyond the cap.
    func keep(_ record: ResponseRecord, id: String, caller: String) async throws {
        try await store.save(try record.stored(id: id, caller: caller, at: now()))
        try await prune()
    }

    /// `caller`'s kept response `id`. `asPrevious`: named by `previous_response_id`, which OpenAI
    /// answers with a 400 naming that field rather than a 404.
    func find(_ id: String, caller: String, asPrevious: Bool = false) async throws -> ResponseRecord {
        try ResponseRecord(try await stored(id, caller: caller, asPrevious: asPrevious))
    }

    /// Forgets `caller`'s kept response `id`.
    func delete(_ id: String, caller: String) async throws {
        _ = try await store.deleteResponse(id: try await stored(id, caller: caller, asPrevious: false).id)
    }

    private func stored(_ id: String, caller: String, asPrevious: Bool) async throws -> StoredResponse {
        try await prune()
        guard let stored = try await store.response(id: id), stored.caller == caller else {
            throw UnknownResponse(id: id, asPrevious: asPrevious)
        }
        return stored
    }

    /// Forgets the responses past the TTL and beyond the cap.
    private func prune() async throws {
        try await store.prune(before: now().addingTimeInterval(-Double(ttl.components.seconds)), keepingAtMost: capacity)
    }
}

/// A response id that is not the caller's kept response: never kept (`store: false`), expired, or another caller's.
struct UnknownResponse: ClientFacingError, Equatable {
    let id: String
    let asPrevious: Bool

    var failure: ClientFailure {
        ClientFailure(
            status: asPrevious ? 400 : 404, kind: .invalidRequest,
            message: "No response with id '\(id)': it was never kept (store: false), has expired, or belongs to another API key.",
            code: asPrevious ? "previous_response_not_found" : "response_not_found", param: asPrevious ? "previous_response_id" : nil)
    }
}
