/// Why the gateway itself ended or refused a turn.
public enum TurnError: Error, Sendable, Equatable {
    /// Every place among the turns that may talk to Copilot stayed taken for the whole wait.
    case upstreamBusy(limit: Int, waitedSeconds: Int64)
    /// A graceful shutdown's grace period ran out while the reply was still running.
    case shuttingDown
    /// A reply failed for a reason that has no better description.
    case streamFailed
    /// None of the accounts the caller's key may use exists (any more).
    case noAccount
}

extension TurnError: ClientFacingError {
    public var failure: ClientFailure {
        switch self {
        case .upstreamBusy(let limit, let waited):
            ClientFailure(
                status: 429, kind: .rateLimit,
                message: "Copilot is busy with \(limit) other requests of this account (COPILOT_MAX_CONCURRENT) and none finished within \(waited) s. Try again shortly.",
                code: "upstream_busy", retryAfter: 5)
        case .shuttingDown:
            ClientFailure(
                status: 503, kind: .server,
                message: "The gateway is shutting down and ended this reply before Copilot finished it. Send the message again in a moment.",
                code: "gateway_shutting_down")
        case .streamFailed:
            ClientFailure(status: 502, kind: .server, message: "The stream from Copilot failed.", code: "upstream_error")
        case .noAccount:
            ClientFailure(
                status: 503, kind: .server,
                message: "None of the Microsoft accounts this API key may use exists on the gateway. Sign one in (copilot-gateway login --account NAME), or bind the key to another account.",
                code: "no_account")
        }
    }
}
