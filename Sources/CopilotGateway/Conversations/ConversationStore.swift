import Foundation

/// A Copilot conversation that a client can continue.
///
/// `key` is the fingerprint (hex SHA-256) of the caller's scope and of the whole history the client's
/// next request will carry; a request whose history before its new message has that fingerprint
/// continues `conversationID`.
public struct ConversationRecord: Sendable, Equatable {
    public var key: String
    /// Empty when `isAmbiguous`.
    public var conversationID: String
    public var turnCount: Int
    public var createdAt: Date
    public var lastUsedAt: Date
    /// Two conversations ended with the same history: nobody continues from this key.
    public var isAmbiguous: Bool
    /// The tool catalogue Copilot was last told about in this conversation.
    public var toolsDigest: String?
    /// The Microsoft account whose Copilot conversation this is: only that account can continue it.
    public var account: String

    public init(
        key: String, conversationID: String, turnCount: Int, createdAt: Date, lastUsedAt: Date, isAmbiguous: Bool = false,
        toolsDigest: String? = nil, account: String = AccountName.default
    ) {
        self.account = account
        self.key = key
        self.conversationID = conversationID
        self.turnCount = turnCount
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.isAmbiguous = isAmbiguous
        self.toolsDigest = toolsDigest
    }
}

/// Where conversation records survive a restart.
public protocol ConversationStore: Sendable {
    /// Every saved record, read once at start-up.
    func loadAll() async throws -> [ConversationRecord]
    /// In one transaction: deletes the records with the keys in `removing`, then inserts or replaces `saving`.
    func apply(saving: [ConversationRecord], removing: [String]) async throws
}

/// Records in memory only: for tests, and lost on restart.
public actor MemoryConversationStore: ConversationStore {
    private var records: [String: ConversationRecord] = [:]

    public init(records: [ConversationRecord] = []) {
        for record in records { self.records[record.key] = record }
    }

    public func loadAll() -> [ConversationRecord] { Array(records.values) }

    public func apply(saving: [ConversationRecord], removing: [String]) {
        for key in removing { records[key] = nil }
        for record in saving { records[record.key] = record }
    }
}
