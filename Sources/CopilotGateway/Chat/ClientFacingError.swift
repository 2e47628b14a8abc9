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
