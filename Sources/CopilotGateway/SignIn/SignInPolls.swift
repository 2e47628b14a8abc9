import ServiceLifecycle

/// Runs the device-code polls of the sign-ins a server starts (`MicrosoftAccount.beginSignIn`) as a
/// lifecycle service: each poll is a child of `run`, so a graceful shutdown ends them all.
public final class SignInPolls: Service, Sendable {
    private let polls: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation

    public init() {
        (polls, continuation) = AsyncStream.makeStream()
    }

    /// Runs `poll` under the service.
    func start(_ poll: @escaping @Sendable () async -> Void) {
        continuation.yield(poll)
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            for await poll in polls.cancelOnGracefulShutdown() {
                group.addTask { await poll() }
            }
            group.cancelAll()
        }
    }
}
