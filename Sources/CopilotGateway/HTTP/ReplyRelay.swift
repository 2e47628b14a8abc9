import ServiceLifecycle

/// Runs a turn's reply for an HTTP response, the same way for every API dialect.
///
/// The reply's events reach `write` in the handler's own task, in order. While nothing has been written
/// for `keepAlive`, `write` gets nil: a keep-alive is due (zero: never). When a graceful shutdown
/// begins, the reply may go on for `shutdownGrace`; then it is cancelled, and with it the call to
/// Copilot, and `TurnError.shuttingDown` is thrown. A write that fails means the client went away: the
/// reply is cancelled and `ClientGone` is thrown.
struct ReplyRelay: Sendable {
    var keepAlive: Duration
    var shutdownGrace: Duration

    /// A write to the client failed: it went away. Nothing more can be sent.
    struct ClientGone: Error {}

    private enum Signal: Sendable {
        case event(ReplyEvent)
        case keepAliveTick
        case shutdownBegan
        case graceOver
    }

    /// A reply answered whole: nothing is written while it runs, so no keep-alive timer runs either;
    /// only the shutdown grace applies.
    func whole(_ reply: @escaping @Sendable () async throws -> TurnReply) async throws -> TurnReply {
        try await ReplyRelay(keepAlive: .zero, shutdownGrace: shutdownGrace).run({ _ in try await reply() }, write: { _ in })
    }

    func run(
        _ reply: @escaping @Sendable (_ emit: (ReplyEvent) async throws -> Void) async throws -> TurnReply,
        write: (ReplyEvent?) async throws -> Void
    ) async throws -> TurnReply {
        let (signals, continuation) = AsyncThrowingStream<Signal, any Error>.makeStream()
        return try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: TurnReply?.self) { group in
                group.addTask {
                    do {
                        let result = try await reply { continuation.yield(.event($0)) }
                        continuation.finish()
                        return result
                    } catch {
                        continuation.finish(throwing: error)
                        throw error
                    }
                }
                if keepAlive > .zero {
                    group.addTask { [keepAlive] in
                        while true {
                            try await Task.sleep(for: keepAlive / 2)
                            continuation.yield(.keepAliveTick)
                        }
                    }
                }
                try await relay(signals, continuation, group: &group, write: write)
                while let finished = try await group.next() {
                    if let result = finished {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        } onGracefulShutdown: {
            continuation.yield(.shutdownBegan)
        }
    }

    /// Acts on each signal until the reply's events end.
    private func relay(
        _ signals: AsyncThrowingStream<Signal, any Error>, _ continuation: AsyncThrowingStream<Signal, any Error>.Continuation,
        group: inout ThrowingTaskGroup<TurnReply?, any Error>, write: (ReplyEvent?) async throws -> Void
    ) async throws {
        var lastWrite = ContinuousClock.now
        var graceStarted = false
        for try await signal in signals {
            switch signal {
            case .event(let event):
                do { try await write(event) } catch { throw ClientGone() }
                lastWrite = .now
            case .keepAliveTick:
                guard ContinuousClock.now - lastWrite >= keepAlive else { continue }
                do { try await write(nil) } catch { throw ClientGone() }
                lastWrite = .now
            case .shutdownBegan:
                guard !graceStarted else { continue }
                graceStarted = true
                group.addTask { [shutdownGrace] in
                    try await Task.sleep(for: shutdownGrace)
                    continuation.yield(.graceOver)
                    return nil
                }
            case .graceOver:
                throw TurnError.shuttingDown
            }
        }
    }
}
