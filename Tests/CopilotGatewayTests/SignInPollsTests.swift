import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import CopilotGateway

@Suite struct SignInPollsTests {
    @Test func aGracefulShutdownEndsTheRunningPolls() async throws {
        let polls = SignInPolls()
        let cancelled = Mutex(false)
        let (started, didStart) = AsyncStream.makeStream(of: Void.self)
        polls.start {
            didStart.yield()
            do {
                try await Task.sleep(for: .seconds(600))
            } catch {
                cancelled.withLock { $0 = true }
            }
        }
        let group = ServiceGroup(configuration: .init(services: [polls], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in started { break }
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
        #expect(cancelled.withLock { $0 }, "the poll was cancelled, not left running")
    }
}
