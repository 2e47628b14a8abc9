import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// The responses the Responses API keeps (unless `store: false`) for `previous_response_id` and
/// `GET`/`DELETE /v1/responses/{id}`: each seen only by the caller that asked for it, kept for the
/// session TTL from its last use, within the `KeptLimits` (least recently used forgotten first). A
/// response keeps what it added to its conversation and a link to the one it continues, so a long
/// conversation costs its length once, not once per turn. Another caller's, an expired and an unknown
/// id alike are not found, so no caller learns that another's exists.
final class KeptResponses: Sendable {
    let store: any ResponseStore
    /// How long a response is kept after its last use (`COPILOT_SESSION_TTL`).
    let ttl: Duration
    let limits: KeptLimits
    let now: @Sendable () -> Date
    /// When the store was last pruned to the byte limits: at most once per `pruneInterval`, as that
    /// orders every kept response (the TTL and the count are kept at every response, along the index
    /// of last use). Between those prunes the store may pass a byte limit by what one interval keeps.
    private let lastPrune = Mutex<Date?>(nil)
    static let pruneInterval: TimeInterval = 1

    init(store: any ResponseStore, ttl: Duration, limits: KeptLimits, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.ttl = ttl
        self.limits = limits
        self.now = now
    }

    /// Records larger than this are read off the event loops and the cooperative pool.
    static let offloadedReadSize = 64 << 10

    /// Keeps `record` with `body` as `id` for `caller`, continuing `conversation` (whose responses are
    /// then used again), then forgets what is past the TTL or the limits. False when the response is
    /// larger than one caller may keep, so it is not kept.
    func keep(_ record: ResponseRecord, body: ByteBuffer, id: String, caller: String, continuing conversation: KeptConversation?) async throws
        -> Bool
    {
        let stored = StoredResponse(
            id: id, caller: caller, createdAt: now(), previousID: conversation?.chain.first, record: try JSONEncoder().encode(record),
            body: Data(body.readableBytesView))
        guard limits.admits(stored.bytes) else { return false }
        try await store.save(stored)
        if let conversation { try await store.touch(conversation.chain, at: stored.usedAt) }
        try await pruneIfDue()
        return true
    }

    /// The conversation up to and including `caller`'s kept response `id`, for `previous_response_id`
    /// (an unknown id, or one whose earlier responses are no longer kept, is a 400 naming that field).
    func conversation(continuing id: String, caller: String) async throws -> KeptConversation {
        var chain: [String] = []
        var records: [ResponseRecord] = []
        var seen: Set<String> = []
        let expiry = self.expiry
        var next: String? = id
        while let link = next {
            guard seen.insert(link).inserted, let stored = try await store.response(id: link, withBody: false), stored.caller == caller,
                stored.usedAt >= expiry
            else {
                throw UnknownResponse(id: id, asPrevious: true, forgottenEarlier: link == id ? nil : link)
            }
            chain.append(link)
            records.append(try await Self.read(stored).record)
            next = stored.previousID
        }
        return KeptConversation(chain: chain, newestFirst: records)
    }

    /// `caller`'s kept response `id` as it was sent.
    func body(of id: String, caller: String) async throws -> ByteBuffer {
        let stored = try await stored(id, caller: caller, withBody: true)
        guard let body = stored.body else { return ByteBuffer(bytes: try await Self.read(stored).body ?? Data("null".utf8)) }
        return ByteBuffer(bytes: body)
    }

    /// Forgets `caller`'s kept response `id`.
    func delete(_ id: String, caller: String) async throws {
        _ = try await store.deleteResponse(id: try await stored(id, caller: caller, withBody: false).id)
    }

    private func stored(_ id: String, caller: String, withBody: Bool) async throws -> StoredResponse {
        guard let stored = try await store.response(id: id, withBody: withBody), stored.caller == caller, stored.usedAt >= expiry else {
            throw UnknownResponse(id: id, asPrevious: false)
        }
        return stored
    }

    /// A stored response read, on NIO's thread pool when it is large.
    private static func read(_ stored: StoredResponse) async throws -> ReadResponse {
        guard stored.bytes > offloadedReadSize else { return try ReadResponse(stored) }
        return try await NIOThreadPool.singleton.runIfActive { try ReadResponse(stored) }
    }

    /// Responses last used before this are past the TTL.
    private var expiry: Date { now().addingTimeInterval(-Double(ttl.components.seconds)) }

    /// Forgets the responses past the TTL and beyond the count, and those beyond the byte limits
    /// unless that was done within the interval.
    private func pruneIfDue() async throws {
        let date = now()
        let due = lastPrune.withLock { last in
            guard last.map({ date.timeIntervalSince($0) >= Self.pruneInterval || date < $0 }) ?? true else { return false }
            last = date
            return true
        }
        if due {
            try await store.prune(before: expiry, limits: limits)
        } else {
            try await store.prune(before: expiry, keepingAtMost: limits.count)
        }
    }
}

/// The kept conversation a `previous_response_id` continues: its responses' ids, newest first (the
/// one named first), the newest one's instructions, and its entries in order.
struct KeptConversation: Sendable, Equatable {
    var chain: [String]
    var instructions: String?
    var entries: [TurnEntry]

    init(chain: [String], newestFirst records: [ResponseRecord]) {
        self.chain = chain
        instructions = records.first?.instructions
        entries = records.reversed().flatMap(\.entries)
    }
}

/// A response id that is not the caller's kept response: never kept (`store: false`), expired, or
/// another caller's; or, for `previous_response_id`, one whose conversation lost an earlier response.
struct UnknownResponse: ClientFacingError, Equatable {
    let id: String
    let asPrevious: Bool
    /// The earlier response of `id`'s conversation that is no longer kept, when that is what is missing.
    var forgottenEarlier: String?

    var failure: ClientFailure {
        let message =
            if let forgottenEarlier {
                "Response '\(id)' continues '\(forgottenEarlier)', which is no longer kept (it expired, or its API key's kept responses outgrew GATEWAY_KEPT_RESPONSES_MB_PER_KEY); send the whole conversation in `input` instead."
            } else {
                "No response with id '\(id)': it was never kept (store: false, or larger than an API key may keep), has expired, or belongs to another API key."
            }
        return ClientFailure(
            status: asPrevious ? 400 : 404, kind: .invalidRequest, message: message,
            code: asPrevious ? "previous_response_not_found" : "response_not_found", param: asPrevious ? "previous_response_id" : nil)
    }
}
