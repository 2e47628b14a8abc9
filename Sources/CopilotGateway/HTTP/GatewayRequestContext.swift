import Hummingbird
import NIOCore

/// The request context of the gateway's routes.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected client's address.
    public let remoteAddress: SocketAddress?
    /// Who is asking, from the API key; "anonymous" when no keys are configured.
    public var caller = "anonymous"

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Room for a long history with a few base64 images.
    public var maxUploadSize: Int { 16 << 20 }

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
