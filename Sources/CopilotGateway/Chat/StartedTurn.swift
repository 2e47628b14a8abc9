/// A turn Copilot has accepted; `run` delivers its reply.
public struct StartedTurn: Sendable {
    let pipeline: TurnPipeline
    let turn: TurnRequest
    let ticket: TurnTicket
    var attempt: Attempt
    var retries: RetryState

    /// Runs the reply: `emit` gets its events in order, ending with `.finished`, and the reply as the
    /// client got it is returned. If Copilot fails before any text reached the client, the turn is tried
    /// again as `RetryPolicy` allows. The turn's ticket ends with the run, however it ends.
    public func run(emit: (ReplyEvent) async throws -> Void) async throws -> TurnReply {
        var turn = self
        do {
            let reply = try await turn.attempts(emit: emit)
            ticket.hold(claim: nil)  // recorded or let go by the reply itself
            await ticket.end()
            pipeline.finished(account: turn.attempt.account.name, reply: reply)
            pipeline.logText(self.turn, reply)
            return reply
        } catch {
            await ticket.end()
            pipeline.finished(account: turn.retries.lastAccount ?? turn.attempt.account.name, error: error)
            throw error
        }
    }

    private mutating func attempts(emit: (ReplyEvent) async throws -> Void) async throws -> TurnReply {
        while true {
            var progress = ReplyProgress()
            do {
                return try await pipeline.deliver(turn, attempt, progress: &progress, emit: emit)
            } catch {
                try await pipeline.recover(
                    turn, from: error, target: attempt.target, account: attempt.account.name, sawText: progress.sawText, ticket: ticket,
                    retries: &retries)
                attempt = try await pipeline.open(turn, ticket: ticket, retries: &retries)
            }
        }
    }
}
