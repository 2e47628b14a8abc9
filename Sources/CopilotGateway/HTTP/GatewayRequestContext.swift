import Hummingbird
import NIOCore
import Synchronization

/// The request context of the gateway's routes.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected client's address.
    public let remoteAddress: SocketAddress?
    /// Who is asking, from the API key; "anonymous" when no keys are configured.
    public var caller = "anonymous"
    /// The Microsoft accounts the caller's key may use; nil: every account.
    public var accounts: [String]?
    /// What a handler learns about the request that the middleware around it reports (`/metrics`).
    let facts = RequestFacts()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Returned values are written as the gateway's JSON.
    public var responseEncoder: GatewayResponseEncoder { GatewayResponseEncoder() }

    /// The API routes read their body under `GATEWAY_MAX_BODY_MB` before anything else (see
    /// `RequestBodyReader`); other routes take small bodies.
    public var maxUploadSize: Int { 1 << 20 }
}

/// Facts a handler records for the middleware that wraps it: a reference, because the context itself
/// is passed down by value.
final class RequestFacts: Sendable {
    private let stream = Mutex(false)
    private let shape = Mutex<ErrorShape?>(nil)

    /// Whether the client asked for a stream.
    var isStream: Bool {
        get { stream.withLock { $0 } }
        set { stream.withLock { $0 = newValue } }
    }

    /// The error shape of the dialect whose route serves the request; nil on the routes of no dialect.
    var errorShape: ErrorShape? {
        get { shape.withLock { $0 } }
        set { shape.withLock { $0 = newValue } }
    }
}
