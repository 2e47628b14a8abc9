import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

/// A fresh temporary folder, removed when the test's closure ends.
func withTemporaryFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("conversation-store-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
}

private func record(_ key: String, conversation: String = "conv", turns: Int = 1, ambiguous: Bool = false) -> ConversationRecord {
    ConversationRecord(
        key: key, conversationID: ambiguous ? "" : "\(conversation)-\(key)", turnCount: turns,
        createdAt: Date(timeIntervalSince1970: 1_750_000_000), lastUsedAt: Date(timeIntervalSince1970: 1_750_000_123),
        isAmbiguous: ambiguous)
}

private func byKey(_ records: [ConversationRecord]) -> [ConversationRecord] { records.sorted { $0.key < $1.key } }

@Suite struct SQLiteConversationStoreTests {
    /// The stores that must behave alike.
    enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory, sqlite

        var testDescription: String { rawValue }

        func open(in folder: URL) throws -> any ConversationStore {
            switch self {
            case .memory: MemoryConversationStore()
            case .sqlite: try SQLiteConversationStore(path: folder.appendingPathComponent("state/conversations.sqlite").path)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func savedRecordsLoadBackWithDatesToTheSecondAndTheAmbiguousFlag(kind: StoreKind) async throws {
        try await withTemporaryFolder { folder in
            let store = try kind.open(in: folder)
            #expect(try await store.loadAll().isEmpty)
            let saved = [record("a", turns: 3), record("b", ambiguous: true)]
            try await store.apply(saving: saved, removing: [])
            let loaded = byKey(try await store.loadAll())
            #expect(loaded == saved)
            #expect(loaded.first?.createdAt.timeIntervalSince1970 == 1_750_000_000)
            #expect(loaded.first?.lastUsedAt.timeIntervalSince1970 == 1_750_000_123)
            #expect(loaded.map(\.isAmbiguous) == [false, true])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func applyDeletesThenUpsertsSoAKeyBothRemovedAndSavedEndsUpSaved(kind: StoreKind) async throws {
        try await withTemporaryFolder { folder in
            let store = try kind.open(in: folder)
            try await store.apply(saving: [record("a"), record("b"), record("c")], removing: [])
            let replacement = record("b", conversation: "newer", turns: 7)
            try await store.apply(saving: [replacement, record("d")], removing: ["a", "b", "missing"])
            #expect(byKey(try await store.loadAll()) == [replacement, record("c"), record("d")])
        }
    }

    @Test func recordsSurviveClosingAndReopeningTheStore() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("conversations.sqlite").path
            do {
                let store = try SQLiteConversationStore(path: path)
                try await store.apply(saving: [record("a"), record("b", ambiguous: true)], removing: [])
                try await store.apply(saving: [record("a", turns: 2)], removing: ["b"])
            }
            let reopened = try SQLiteConversationStore(path: path)
            #expect(try await reopened.loadAll() == [record("a", turns: 2)])
        }
    }

    @Test func databaseFileIsReadableOnlyByItsOwnerInAFolderItCreated() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("new/state/conversations.sqlite").path
            let store = try SQLiteConversationStore(path: path)
            try await store.apply(saving: [record("a")], removing: [])
            let fileManager = FileManager.default
            func mode(_ path: String) throws -> Int? {
                try (fileManager.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
            }
            #expect(try mode(path) == 0o600)
            #expect(try mode(folder.appendingPathComponent("new/state").path) == 0o700)
            for sidecar in [path + "-wal", path + "-shm"] where fileManager.fileExists(atPath: sidecar) {
                #expect(try mode(sidecar) == 0o600, "\(sidecar)")
            }
        }
    }

    @Test func folderThatCannotBeCreatedGivesAnErrorNamingThePath() async throws {
        try await withTemporaryFolder { folder in
            let blocker = folder.appendingPathComponent("a-file")
            try Data("not a folder".utf8).write(to: blocker)
            let path = blocker.appendingPathComponent("state/conversations.sqlite").path
            let error = #expect(throws: ConversationStoreError.self) { try SQLiteConversationStore(path: path) }
            #expect(error?.path == path)
            #expect(error?.description.contains(path) == true)
            #expect(error?.description.contains("STATE_DIR") == true)
        }
    }

    @Test func fileThatIsNotADatabaseGivesAnErrorNamingThePath() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("conversations.sqlite").path
            try Data(String(repeating: "this is not a SQLite database\n", count: 200).utf8).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: ConversationStoreError.self) { try SQLiteConversationStore(path: path) }
            #expect(error?.path == path)
            #expect(error?.description.contains(path) == true)
            #expect(error?.description.contains("STATE_DIR") == true)
        }
    }
}

@Suite struct ResponseStoreTests {
    func stored(_ id: String, caller: String, at seconds: TimeInterval, bytes: Int = 3, previous: String? = nil) -> StoredResponse {
        StoredResponse(
            id: id, caller: caller, createdAt: Date(timeIntervalSince1970: seconds), previousID: previous,
            record: Data(String(repeating: "r", count: bytes).utf8), body: Data("{}".utf8))
    }

    static let roomy = KeptLimits(count: 10, bytesPerCaller: 1 << 20, bytes: 1 << 20)

    @Test func keptResponsesSurviveAReopenAndGoWhenDeletedExpiredOrBeyondTheCap() async throws {
        try await withTemporaryFolder { folder in
            let path = folder.appendingPathComponent("state/conversations.sqlite").path
            let old = stored("resp_old", caller: "key:a", at: 1000)
            let new = stored("resp_new", caller: "key:b", at: 5000, previous: "resp_old")
            do {
                let store = try SQLiteConversationStore(path: path)
                try await store.save(old)
                try await store.save(new)
            }
            let reopened = try SQLiteConversationStore(path: path)
            #expect(try await reopened.response(id: "resp_new", withBody: true) == new)
            var withoutBody = new
            withoutBody.body = nil
            #expect(try await reopened.response(id: "resp_new", withBody: false) == withoutBody)
            try await reopened.prune(before: Date(timeIntervalSince1970: 2000), limits: Self.roomy)
            #expect(try await reopened.response(id: "resp_old", withBody: false) == nil)
            try await reopened.save(old)
            try await reopened.prune(before: .distantPast, limits: KeptLimits(count: 1, bytesPerCaller: 1 << 20, bytes: 1 << 20))
            #expect(try await reopened.response(id: "resp_old", withBody: false) == nil, "beyond the cap, the least recently used go first")
            #expect(try await reopened.deleteResponse(id: "resp_new"))
            #expect(try await reopened.deleteResponse(id: "resp_new") == false)
            #expect(try await reopened.response(id: "resp_new", withBody: false) == nil)
        }
    }

    @Test func sqliteForgetsTheLeastRecentlyUsedBeyondACallersBytesAndTheTotalAsMemoryDoes() async throws {
        try await withTemporaryFolder { folder in
            let sqlite = try SQLiteConversationStore(path: folder.appendingPathComponent("conversations.sqlite").path)
            let memory = MemoryResponseStore()
            let stores: [any ResponseStore] = [sqlite, memory]
            for store in stores {
                for number in 1...4 { try await store.save(stored("resp_a\(number)", caller: "key:a", at: Double(number), bytes: 98)) }
                try await store.save(stored("resp_b", caller: "key:b", at: 0, bytes: 98))
                try await store.touch(["resp_a1"], at: Date(timeIntervalSince1970: 10))
                try await store.prune(before: .distantPast, limits: KeptLimits(count: 10, bytesPerCaller: 250, bytes: 450))
                var left: [String] = []
                for id in ["resp_a1", "resp_a2", "resp_a3", "resp_a4", "resp_b"] where try await store.response(id: id, withBody: false) != nil {
                    left.append(id)
                }
                // Key A keeps its two most recently used (a1 was used again, then a4); key B's stays.
                #expect(left == ["resp_a1", "resp_a4", "resp_b"], "\(type(of: store))")
            }
        }
    }

    @Test func theCheapPruneKeepsTheMostRecentlyUsedUpToTheCountOnBothStores() async throws {
        try await withTemporaryFolder { folder in
            let sqlite = try SQLiteConversationStore(path: folder.appendingPathComponent("conversations.sqlite").path)
            let stores: [any ResponseStore] = [sqlite, MemoryResponseStore()]
            for store in stores {
                for number in 1...4 { try await store.save(stored("resp_\(number)", caller: "key:a", at: Double(number * 10))) }
                try await store.touch(["resp_1"], at: Date(timeIntervalSince1970: 100))
                try await store.prune(before: Date(timeIntervalSince1970: 15), keepingAtMost: 2)
                var left: [String] = []
                for id in ["resp_1", "resp_2", "resp_3", "resp_4"] where try await store.response(id: id, withBody: false) != nil {
                    left.append(id)
                }
                #expect(left == ["resp_1", "resp_4"], "\(type(of: store))")
            }
        }
    }

    /// A response kept before bodies were kept apart (a v3 record: the whole conversation and the body
    /// inside the record) is still continued and served after the upgrade.
    @Test func aResponseKeptByTheEarlierSchemaIsStillReadAndServed() async throws {
        try await withTemporaryFolder { folder in
            let store = try SQLiteConversationStore(path: folder.appendingPathComponent("conversations.sqlite").path)
            let legacy = #"{"instructions":"Be brief.","conversation":[{"user":{"_0":[{"text":{"_0":"hi"}}]}}],"body":{"id":"resp_v3","object":"response"}}"#
            try await store.save(StoredResponse(
                id: "resp_v3", caller: "anonymous", createdAt: Date(), record: Data(legacy.utf8), body: nil))
            let kept = KeptResponses(store: store, ttl: .seconds(3600), limits: Self.roomy)
            let conversation = try await kept.conversation(continuing: "resp_v3", caller: "anonymous")
            #expect(conversation.instructions == "Be brief." && conversation.entries == [.user([.text("hi")])])
            #expect(try await kept.body(of: "resp_v3", caller: "anonymous") == ByteBuffer(string: #"{"id":"resp_v3","object":"response"}"#))
        }
    }
}
