import Hummingbird

import Foundation

/// How the routes pace and bound their clients.
public struct RouteLimits: Sendable {
    /// How often a `: keep-alive` comment goes out while Copilot is silent; zero: never.
    public var keepAliveInterval = GatewayConfiguration.Defaults.keepAliveInterval
    public var maxBodySize = GatewayConfiguration.Defaults.maxBodySize
    /// How long a request's whole body may take to arrive.
    public var bodyTimeout = GatewayConfiguration.Defaults.bodyTimeout
    /// After a graceful shutdown began, how long a running reply may go on.
    public var shutdownGrace = GatewayConfiguration.Defaults.shutdownGrace
    /// Each API key's share; no limits by default.
    public var perCaller = CallerLimits.Settings(maxConcurrent: 0, perMinute: 0)

    public init() {}

    public init(_ configuration: GatewayConfiguration) {
        keepAliveInterval = configuration.keepAliveInterval
        maxBodySize = configuration.maxBodySize
        bodyTimeout = configuration.bodyTimeout
        shutdownGrace = configuration.shutdownGrace
        perCaller = .init(maxConcurrent: configuration.maxConcurrentPerKey, perMinute: configuration.requestsPerMinute)
    }
}

/// The gateway's routes: the three API dialects and the models list (each group behind its error
/// shape, the API keys when there are any, the body limits and each key's share), health and
/// readiness, metrics, and sign-in (with the admin key or the sign-in link).
func buildRouter(
    turns: TurnPipeline, signIn: (any SignInDirectory)? = nil, modelNames: [String], apiKeys: APIKeys = APIKeys([]),
    access: AdminAccess = AdminAccess(adminKey: nil), announceLink: @escaping @Sendable () -> Void = {}, limits: RouteLimits = RouteLimits(),
    responses: any ResponseStore = MemoryResponseStore(), responseTTL: Duration = GatewayConfiguration.Defaults.sessionTTL,
    keptLimits: KeptLimits = .defaults, readiness: Readiness? = nil, shapes: RouteShapes = RouteShapes(),
    compactionSeal: CompactionSeal = .ephemeral()
) -> Router<GatewayRequestContext> {
    let metrics = turns.metrics
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: RouteMetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware(shapes: shapes))
    router.add(middleware: RequestLogMiddleware())

    let guards = APIGuards(
        key: APIKeyMiddleware(keys: apiKeys, metrics: metrics),
        body: RequestBodyMiddleware(reader: RequestBodyReader(maxSize: limits.maxBodySize, deadline: limits.bodyTimeout), metrics: metrics),
        limits: CallerLimitMiddleware(limits: CallerLimits(limits.perCaller), metrics: metrics))
    let relay = ReplyRelay(keepAlive: limits.keepAliveInterval, shutdownGrace: limits.shutdownGrace)
    router.addAPI(ChatCompletionsController(turns: turns, relay: relay), guards: guards, shapes: shapes)
    router.addAPI(MessagesController(turns: turns, relay: relay), guards: guards, shapes: shapes)
    let kept = KeptResponses(store: responses, ttl: responseTTL, limits: keptLimits)
    router.addAPI(ResponsesController(turns: turns, relay: relay, kept: kept, seal: compactionSeal), guards: guards, shapes: shapes)
    router.addAPI(UnsupportedEndpointsController(), guards: guards, shapes: shapes)
    router.addAPI(ModelsController(names: modelNames, startedAt: Date()), guards: guards, shapes: shapes)

    LoginController(accounts: signIn, access: access, announceLink: announceLink).addRoutes(to: router)
    MetricsController(metrics: metrics, directory: turns.directory, accounts: turns.accounts, access: access).addRoutes(to: router)
    router.get("/health") { _, _ in Health(ok: true, time: Int(Date().timeIntervalSince1970)) }
    router.get("/healthz") { _, _ in Liveness() }
    if let readiness { router.get("/readyz") { _, _ in await readiness.response() } }
    shapes.recordMethods(of: router.routes.map { ($0.path, $0.method) })
    return router
}

extension KeptLimits {
    /// The limits of the settings' defaults.
    static var defaults: KeptLimits {
        typealias Defaults = GatewayConfiguration.Defaults
        return KeptLimits(count: Defaults.maxConversations, bytesPerCaller: Defaults.keptResponsesMBPerKey << 20, bytes: Defaults.keptResponsesMB << 20)
    }
}
