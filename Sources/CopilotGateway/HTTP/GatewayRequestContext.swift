import Hummingbird

/// The request context of the gateway's routes.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// Room for a long history with a few base64 images.
    public var maxUploadSize: Int { 16 << 20 }
}
