import Foundation
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

    func kept(ttl: Duration = .seconds(3600), capacity: Int = 10, clock: Clock = Clock()) -> KeptResponses {
        KeptResponses(store: MemoryResponseStore(), ttl: ttl, capacity: capacity, now: { clock.now.withLock { $0 } })
    }

    func record(_ text: String) -> ResponseRecord {
        ResponseRecord(instructions: "Be brief.", conversation: [.user([.text(text)])], body: .object(["id": .string(text)]))
    }

    @Test func aKeptResponseIsFoundByItsCallerWithItsConversationAndBody() async throws {
        let kept = kept()
        try await kept.keep(record("hello"), id: "resp_1", caller: "key:a")
        let found = try await kept.find("resp_1", caller: "key:a")
        #expect(found.instructions == "Be brief.")
        #expect(found.conversation == [.user([.text("hello")])])
        #expect(found.body == .object(["id": .string("hello")]))
    }

    @Test func anotherCallersResponseIsNotFoundAs404AndAsA400NamingPreviousResponseID() async throws {
        let kept = kept()
        try await kept.keep(record("secret"), id: "resp_a", caller: "key:a")
        await #expect(throws: UnknownResponse(id: "resp_a", asPrevious: false)) { try await kept.find("resp_a", caller: "key:b") }
        await #expect(throws: UnknownResponse(id: "resp_a", asPrevious: true)) {
            try await kept.find("resp_a", caller: "key:b", asPrevious: true)
        }
        await #expect(throws: UnknownResponse(id: "resp_a", asPrevious: false)) { try await kept.delete("resp_a", caller: "key:b") }
        // The other caller's attempts changed nothing for the owner.
        #expect(try await kept.find("resp_a", caller: "key:a").body == .object(["id": .string("secret")]))
        let notFound = UnknownResponse(id: "resp_a", asPrevious: false).failure
        #expect(notFound.status == 404 && notFound.code == "response_not_found" && notFound.param == nil)
        let notPrevious = UnknownResponse(id: "resp_a", asPrevious: true).failure
        #expect(notPrevious.status == 400 && notPrevious.code == "previous_response_not_found" && notPrevious.param == "previous_response_id")
    }

    @Test func aDeletedResponseIsGone() async throws {
        let kept = kept()
        try await kept.keep(record("bye"), id: "resp_1", caller: "anonymous")
        try await kept.delete("resp_1", caller: "anonymous")
        await #expect(throws: UnknownResponse(id: "resp_1", asPrevious: false)) { try await kept.find("resp_1", caller: "anonymous") }
        await #expect(throws: UnknownResponse(id: "resp_1", asPrevious: false)) { try await kept.delete("resp_1", caller: "anonymous") }
    }

    @Test func aResponseOlderThanTheTTLIsForgotten() async throws {
        let clock = Clock()
        let kept = kept(ttl: .seconds(60), clock: clock)
        try await kept.keep(record("old"), id: "resp_old", caller: "anonymous")
        clock.advance(30)
        #expect(try await kept.find("resp_old", caller: "anonymous").body == .object(["id": .string("old")]))
        clock.advance(31)
        await #expect(throws: UnknownResponse(id: "resp_old", asPrevious: true)) {
            try await kept.find("resp_old", caller: "anonymous", asPrevious: true)
        }
    }

    @Test func onlyTheNewestResponsesUpToTheCapacityAreKept() async throws {
        let clock = Clock()
        let kept = kept(capacity: 2, clock: clock)
        for number in 1...3 {
            try await kept.keep(record("r\(number)"), id: "resp_\(number)", caller: "anonymous")
            clock.advance(1)
        }
        await #expect(throws: UnknownResponse(id: "resp_1", asPrevious: false)) { try await kept.find("resp_1", caller: "anonymous") }
        #expect(try await kept.find("resp_2", caller: "anonymous").body == .object(["id": .string("r2")]))
        #expect(try await kept.find("resp_3", caller: "anonymous").body == .object(["id": .string("r3")]))
    }
}
