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
    /// What a handler learns about the request that the middleware around it reports (`/metrics`).
    let facts = RequestFacts()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The chat route applies `GATEWAY_MAX_BODY_MB` itself; other routes take small bodies.
    public var maxUploadSize: Int { 1 << 20 }

    /// Whether the request comes from this machine itself and not through a proxy.
    func isLocal(_ request: Request) -> Bool {
        guard request.headers[values: .init("X-Forwarded-For")!].isEmpty, request.headers[values: .init("Forwarded")!].isEmpty else {
            return false
        }
        guard let address = remoteAddress else { return false }
        if case .unixDomainSocket = address { return true }
        guard let ip = address.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}

/// Facts a handler records for the middleware that wraps it: a reference, because the context itself
/// is passed down by value.
final class RequestFacts: Sendable {
    private let stream = Mutex(false)

    /// Whether the client asked for a stream.
    var isStream: Bool {
        get { stream.withLock { $0 } }
        set { stream.withLock { $0 = newValue } }
    }
}
