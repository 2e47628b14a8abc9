import Foundation
import NIOCore
import Synchronization
import Testing

@testable import CopilotGateway

/// What the kept responses hold: what each response added, linked to the one it continues (not a
/// copy), within the bytes one key and all keys may keep, least recently used forgotten first.
@Suite struct KeptResponseBoundsTests {
    let clock = KeptResponsesTests.Clock()

    func kept(_ store: any ResponseStore, limits: KeptLimits = KeptResponsesTests.roomy, ttl: Duration = .seconds(3600)) -> KeptResponses {
        KeptResponses(store: store, ttl: ttl, limits: limits, now: { [clock] in clock.now.withLock { $0 } })
    }

    /// Keeps a response adding `text` after `continuing`, and returns the conversation that continues it.
    func turn(_ kept: KeptResponses, _ text: String, id: String, caller: String = "anonymous", continuing: KeptConversation? = nil) async throws
        -> KeptConversation
    {
        let record = ResponseRecord(instructions: "Be brief.", entries: [.user([.text(text)]), .assistant([.text("ok")])])
        #expect(try await kept.keep(record, body: ByteBuffer(string: "{}"), id: id, caller: caller, continuing: continuing))
        clock.advance(1)
        return try await kept.conversation(continuing: id, caller: caller)
    }

    @Test func aContinuedResponseKeepsWhatItAddedAndLinksToTheOneBeforeIt() async throws {
        let store = MemoryResponseStore()
        let kept = kept(store)
        let added = String(repeating: "x", count: 100_000)
        var conversation: KeptConversation?
        for number in 1...8 {
            conversation = try await turn(kept, "\(number)" + added, id: "resp_\(number)", continuing: conversation)
        }
        let eighth = try #require(await store.response(id: "resp_8", withBody: true))
        #expect(eighth.previousID == "resp_7")
        #expect(eighth.bytes < 2 * added.utf8.count, "the eighth response holds what it added, not the seven before")
        let whole = try #require(conversation)
        #expect(whole.chain == (1...8).reversed().map { "resp_\($0)" })
        #expect(whole.entries.count == 16)
        #expect(whole.entries.first == .user([.text("1" + added)]) && whole.entries[14] == .user([.text("8" + added)]))
    }

    @Test func oneKeysResponsesBeyondItsBytesForgetItsOldestAndNeverAnotherKeys() async throws {
        let limits = KeptLimits(count: 100, bytesPerCaller: 250_000, bytes: 10 << 20)
        let kept = kept(MemoryResponseStore(), limits: limits)
        _ = try await turn(kept, "B's", id: "resp_b", caller: "key:b")
        let big = String(repeating: "a", count: 100_000)
        for number in 1...4 { _ = try await turn(kept, big, id: "resp_a\(number)", caller: "key:a") }
        await #expect(throws: UnknownResponse(id: "resp_a1", asPrevious: false)) { try await kept.body(of: "resp_a1", caller: "key:a") }
        await #expect(throws: UnknownResponse(id: "resp_a2", asPrevious: false)) { try await kept.body(of: "resp_a2", caller: "key:a") }
        #expect(try await kept.body(of: "resp_a4", caller: "key:a").readableBytes == 2)
        #expect(try await kept.body(of: "resp_b", caller: "key:b").readableBytes == 2, "key A's bytes never cost key B its responses")
    }

    @Test func allKeysTogetherStayWithinTheTotalBytes() async throws {
        let limits = KeptLimits(count: 100, bytesPerCaller: 1 << 20, bytes: 250_000)
        let kept = kept(MemoryResponseStore(), limits: limits)
        let big = String(repeating: "a", count: 100_000)
        for number in 1...3 { _ = try await turn(kept, big, id: "resp_\(number)", caller: "key:\(number)") }
        await #expect(throws: UnknownResponse(id: "resp_1", asPrevious: false)) { try await kept.body(of: "resp_1", caller: "key:1") }
        #expect(try await kept.body(of: "resp_3", caller: "key:3").readableBytes == 2)
    }

    @Test func aResponseLargerThanAKeyMayKeepIsNotKept() async throws {
        let kept = kept(MemoryResponseStore(), limits: KeptLimits(count: 100, bytesPerCaller: 1000, bytes: 1 << 20))
        let record = ResponseRecord(instructions: nil, entries: [.user([.text(String(repeating: "z", count: 2000))])])
        #expect(try await kept.keep(record, body: ByteBuffer(string: "{}"), id: "resp_big", caller: "anonymous", continuing: nil) == false)
        await #expect(throws: UnknownResponse(id: "resp_big", asPrevious: false)) { try await kept.body(of: "resp_big", caller: "anonymous") }
    }

    @Test func continuingAConversationKeepsItsEarlierResponsesForAnotherTTL() async throws {
        let kept = kept(MemoryResponseStore(), ttl: .seconds(60))
        var conversation = try await turn(kept, "one", id: "resp_1")
        for number in 2...4 {
            clock.advance(40)
            conversation = try await turn(kept, "\(number)", id: "resp_\(number)", continuing: conversation)
        }
        #expect(conversation.chain == ["resp_4", "resp_3", "resp_2", "resp_1"], "the first response outlived its TTL because it was in use")
    }

    @Test func aConversationThatLostAnEarlierResponseIsA400NamingWhatWasForgotten() async throws {
        let store = MemoryResponseStore()
        let kept = kept(store)
        let first = try await turn(kept, "one", id: "resp_1")
        _ = try await turn(kept, "two", id: "resp_2", continuing: first)
        #expect(await store.deleteResponse(id: "resp_1"))
        let error = await #expect(throws: UnknownResponse.self) { try await kept.conversation(continuing: "resp_2", caller: "anonymous") }
        #expect(error == UnknownResponse(id: "resp_2", asPrevious: true, forgottenEarlier: "resp_1"))
        #expect(error?.failure.status == 400 && error?.failure.param == "previous_response_id")
        #expect(error?.failure.message.contains("'resp_1', which is no longer kept") == true)
    }
}
