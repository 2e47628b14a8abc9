import Synchronization
import Testing

@testable import CopilotGateway

/// After large bodies, the memory glibc kept is given back once per burst; small bodies cost nothing.
@Suite struct MemoryTrimmerTests {
    @Test func aBurstOfLargeBodiesIsFollowedByOneTrimAndSmallBodiesByNone() async throws {
        let trims = Atomic(0)
        let trimmer = MemoryTrimmer(threshold: 1000, delay: .milliseconds(200)) { trims.add(1, ordering: .relaxed) }
        trimmer.bodyReleased(999)
        for _ in 0..<5 { trimmer.bodyReleased(5000) }
        #expect(trims.load(ordering: .relaxed) == 0, "the trim waits for the burst to pass")
        try await waitFor { trims.load(ordering: .relaxed) == 1 }
        try await Task.sleep(for: .milliseconds(400))
        #expect(trims.load(ordering: .relaxed) == 1, "one trim for the burst, none for the small body")
        trimmer.bodyReleased(5000)
        try await waitFor { trims.load(ordering: .relaxed) == 2 }
    }

    @Test func releasingFreeMemoryIsSafeToCallAnyTime() {
        MemoryTrimmer.releaseFreeMemory()
        MemoryTrimmer.releaseFreeMemory()
    }

    /// Polls `condition` for up to 10 s.
    func waitFor(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(condition())
    }
}
