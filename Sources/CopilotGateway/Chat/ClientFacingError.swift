/// A failure as a client is told about it, in words every API dialect shares. Each dialect maps the
/// `kind` to its own error type and body once, at its edge (the Chat Completions mapping is in `OpenAI/`).
public struct ClientFailure: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case invalidRequest, authentication, permission, rateLimit, server
    }

    /// The HTTP status.
    public var status: Int
    public var kind: Kind
    public var message: String
    /// A stable machine-readable code (`upstream_busy`, `context_length_exceeded`).
    public var code: String?
    /// The request field at fault.
    public var param: String?
    /// Seconds a client should wait, sent as `Retry-After`.
    public var retryAfter: Int?

    public init(status: Int, kind: Kind, message: String, code: String? = nil, param: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.kind = kind
        self.message = message
        self.code = code
        self.param = param
        self.retryAfter = retryAfter
    }
}

/// A domain error that knows how it is told to a client.
public protocol ClientFacingError: Error, Sendable {
    var failure: ClientFailure { get }
}

/// Why the gateway itself ended or refused a turn.
public enum TurnError: Error, Sendable, Equatable {
    /// Every place among the turns that may talk to Copilot stayed taken for the whole wait.
    case upstreamBusy(limit: Int, waitedSeconds: Int64)
    /// A graceful shutdown's grace period ran out while the reply was still running.
    case shuttingDown
    /// A reply failed for a reason that has no better description.
    case streamFailed
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
        }
    }
}

extension TurnRequestError: ClientFacingError {
    public var failure: ClientFailure {
        let message = switch self {
        case .noMessages: "`messages` must contain at least one message."
        case .noUserMessage: "`messages` must contain a user message."
        case .nothingToAnswer: "The last message must be from the user (or a tool result); there is nothing for Copilot to answer."
        case .noText: "The user message has no text for Copilot to answer."
        }
        return ClientFailure(status: 400, kind: .invalidRequest, message: message, param: "messages")
    }
}
