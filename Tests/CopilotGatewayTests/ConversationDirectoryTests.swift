import Foundation
import Logging
import Testing

@testable import CopilotGateway

@Suite struct ConversationDirectoryTests {
    func directory(store: any ConversationStore = MemoryConversationStore(), ttl: Duration = .seconds(1800), capacity: Int = 100, clock: TestClock = TestClock()) async throws -> ConversationDirectory {
        try await ConversationDirectory(store: store, ttl: ttl, capacity: capacity, logger: Logger(label: "test"), now: { clock.now })
    }

    @Test func aFinishedTurnIsContinuedFromTheNextHistoryOnly() async throws {
        let directory = try await directory()
        await directory.finish(claimed: nil, conversationID: "c1", turnCount: 1, createdAt: Date(), nextKey: "k1")
        let claimed = try #require(await directory.claim("k1"))
        #expect(claimed.conversationID == "c1")
        await directory.finish(claimed: "k1", conversationID: "c1", turnCount: 2, createdAt: claimed.createdAt, nextKey: "k2")
        #expect(await directory.claim("k1") == nil, "the old history no longer describes the conversation")
        #expect(await directory.claim("k2")?.turnCount == 2)
    }

    @Test func aClaimedConversationIsNotHandedOutTwice() async throws {
        let directory = try await directory()
        await directory.finish(claimed: nil, conversationID: "c1", turnCount: 1, createdAt: Date(), nextKey: "k1")
        #expect(await directory.claim("k1") != nil)
        #expect(await directory.claim("k1") == nil)
        await directory.release("k1")
        #expect(await directory.claim("k1") != nil)
    }

    @Test func twoConversationsEndingInTheSameHistoryAreContinuedByNeither() async throws {
        let directory = try await directory()
        await directory.finish(claimed: nil, conversationID: "c1", turnCount: 1, createdAt: Date(), nextKey: "same")
        await directory.finish(claimed: nil, conversationID: "c2", turnCount: 1, createdAt: Date(), nextKey: "same")
        #expect(await directory.claim("same") == nil)
    }

    @Test func aTurnWhoseClientWentAwayStillSavesWhereTheConversationStands() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("directory-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = try await directory(store: try SQLiteConversationStore(path: path))
        await directory.finish(claimed: nil, conversationID: "c1", turnCount: 1, createdAt: Date(), nextKey: "k1")
        let claimed = try #require(await directory.claim("k1"))
        // The stream's task is cancelled (its client hung up) before the turn's result is recorded.
        let turn = Task {
            try? await Task.sleep(for: .seconds(30))
            await directory.finish(claimed: "k1", conversationID: "c1", turnCount: 2, createdAt: claimed.createdAt, nextKey: "k2")
        }
        turn.cancel()
        await turn.value
        let keys = try await SQLiteConversationStore(path: path).loadAll().map(\.key)
        #expect(keys == ["k2"], "the stored copy follows the map, not the history before the turn")
    }

    @Test func entriesExpireAfterTheIdleTTLAndAreNotLoadedAgain() async throws {
        let clock = TestClock()
        let store = MemoryConversationStore()
        let first = try await directory(store: store, ttl: .seconds(60), clock: clock)
        await first.finish(claimed: nil, conversationID: "c1", turnCount: 1, createdAt: clock.now, nextKey: "k1")
        clock.advance(by: 61)
        #expect(await first.claim("k1") == nil)
        let restarted = try await directory(store: store, ttl: .seconds(60), clock: clock)
        #expect(await restarted.count == 0)
        #expect(await store.loadAll().isEmpty, "expired entries are removed from the store at start-up")
    }

    @Test func theLeastRecentlyUsedGoWhenOverTheCap() async throws {
        let clock = TestClock()
        let store = MemoryConversationStore()
        let directory = try await directory(store: store, capacity: 10, clock: clock)
        for index in 0..<25 {
            clock.advance(by: 1)
            await directory.finish(claimed: nil, conversationID: "c\(index)", turnCount: 1, createdAt: clock.now, nextKey: "k\(index)")
        }
        #expect(await directory.count <= 10)
        #expect(await directory.claim("k24") != nil, "the newest stays")
        #expect(await directory.claim("k0") == nil, "the oldest went")
        #expect(await store.loadAll().count == directory.count)
    }
}
