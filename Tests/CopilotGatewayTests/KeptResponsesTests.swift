import Foundation
import NIOCore
import Synchronization
import Testing

@testable import CopilotGateway

/// The Responses API's kept responses in memory: kept per caller, found only by that caller, deleted,
/// expired after the TTL and capped in number.
@Suite struct KeptResponsesTests {
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        func advance(_ seconds: TimeInterval) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static let roomy = KeptLimits(count: 10, bytesPerCaller: 1 << 20, bytes: 4 << 20)

    func kept(ttl: Duration = .seconds(3600), limits: KeptLimits = roomy, clock: Clock = Clock(), store: any ResponseStore = MemoryResponseStore())
        -> KeptResponses
    {
        KeptResponses(store: store, ttl: ttl, limits: limits, now: { clock.now.withLock { $0 } })
    }

    func record(_ text: String) -> ResponseRecord {
        ResponseRecord(instructions: "Be brief.", entries: [.user([.text(text)])])
    }

    func body(_ text: String) -> ByteBuffer { ByteBuffer(string: #"{"id":"\#(text)"}"#) }

    @discardableResult
    func keep(_ kept: KeptResponses, _ text: String, id: String, caller: String = "anonymous", continuing: KeptConversation? = nil) async throws -> Bool {
        try await kept.keep(record(text), body: body(text), id: id, caller: caller, continuing: continuing)
    }

    @Test func aKeptResponseIsFoundByItsCallerWithItsConversationAndBody() async throws {
        let kept = kept()
        try await keep(kept, "hello", id: "resp_1", caller: "key:a")
        let found = try await kept.conversation(continuing: "resp_1", caller: "key:a")
        #expect(found.instructions == "Be brief.")
        #expect(found.entries == [.user([.text("hello")])])
        #expect(found.chain == ["resp_1"])
        #expect(try await kept.body(of: "resp_1", caller: "key:a") == body("hello"))
    }

    @Test func anotherCallersResponseIsNotFoundAs404AndAsA400NamingPreviousResponseID() async throws {
        let kept = kept()
        try await keep(kept, "secret", id: "resp_a", caller: "key:a")
        await #expect(throws: UnknownResponse(id: "resp_a", asPrevious: false)) { try await kept.body(of: "resp_a", caller: "key:b") }
        await #expect(throws: UnknownResponse(id: "resp_a", asPrevious: true)) {
            try await kept.conversation(continuing: "resp_a", caller: "key:b")
        }
        await #expect(throws: UnknownResponse(id: "resp_a", asPrevious: false)) { try await kept.delete("resp_a", caller: "key:b") }
        // The other caller's attempts changed nothing for the owner.
        #expect(try await kept.body(of: "resp_a", caller: "key:a") == body("secret"))
        let notFound = UnknownResponse(id: "resp_a", asPrevious: false).failure
        #expect(notFound.status == 404 && notFound.code == "response_not_found" && notFound.param == nil)
        let notPrevious = UnknownResponse(id: "resp_a", asPrevious: true).failure
        #expect(notPrevious.status == 400 && notPrevious.code == "previous_response_not_found" && notPrevious.param == "previous_response_id")
    }

    @Test func aDeletedResponseIsGone() async throws {
        let kept = kept()
        try await keep(kept, "bye", id: "resp_1")
        try await kept.delete("resp_1", caller: "anonymous")
        await #expect(throws: UnknownResponse(id: "resp_1", asPrevious: false)) { try await kept.body(of: "resp_1", caller: "anonymous") }
        await #expect(throws: UnknownResponse(id: "resp_1", asPrevious: false)) { try await kept.delete("resp_1", caller: "anonymous") }
    }

    @Test func aResponseOlderThanTheTTLIsForgotten() async throws {
        let clock = Clock()
        let kept = kept(ttl: .seconds(60), clock: clock)
        try await keep(kept, "old", id: "resp_old")
        clock.advance(30)
        #expect(try await kept.body(of: "resp_old", caller: "anonymous") == body("old"))
        clock.advance(31)
        await #expect(throws: UnknownResponse(id: "resp_old", asPrevious: true)) {
            try await kept.conversation(continuing: "resp_old", caller: "anonymous")
        }
    }

    @Test func onlyTheNewestResponsesUpToTheCapacityAreKept() async throws {
        let clock = Clock()
        var limits = Self.roomy
        limits.count = 2
        let kept = kept(limits: limits, clock: clock)
        for number in 1...3 {
            try await keep(kept, "r\(number)", id: "resp_\(number)")
            clock.advance(1)
        }
        await #expect(throws: UnknownResponse(id: "resp_1", asPrevious: false)) { try await kept.body(of: "resp_1", caller: "anonymous") }
        #expect(try await kept.body(of: "resp_2", caller: "anonymous") == body("r2"))
        #expect(try await kept.body(of: "resp_3", caller: "anonymous") == body("r3"))
    }
}
