import Hummingbird
import Logging
import NIOCore

import Foundation

/// Builds the gateway's HTTP application from its configuration, its Graph client, the signed-in
/// account (nil with a static token or the simulator), where conversations are kept and the metrics
/// registry `/metrics` renders.
public func buildApplication(
    configuration: GatewayConfiguration,
    graph: GraphClient,
    account: MicrosoftAccount? = nil,
    conversations store: any ConversationStore,
    metrics: GatewayMetrics = GatewayMetrics(),
    adminAccess: AdminAccess? = nil,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let access = adminAccess ?? AdminAccess(adminKey: configuration.adminKey)
    // The secret way into /login (see AdminAccess); the journal is readable only by administrators.
    let announceLink: @Sendable (_ needed: Bool) -> Void = { needed in
        guard account != nil, let link = access.loginLink else { return }
        logger.log(level: needed ? .warning : .notice, "Sign-in page for this server (the link works once; keep it private): \(link)")
    }
    let directory = try await ConversationDirectory(
        store: store, ttl: configuration.sessionTTL, capacity: configuration.maxConversations, logger: logger)
    let chat = ChatService(graph: graph, settings: .init(configuration), directory: directory, metrics: metrics, logger: logger)
    let router = buildRouter(
        chat: chat, account: account, modelNames: configuration.modelNames, apiKeys: APIKeys(configuration.apiKeys),
        access: access, announceLink: { announceLink(false) },
        limits: .init(
            keepAliveInterval: configuration.keepAliveInterval, maxBodySize: configuration.maxBodySize,
            bodyTimeout: configuration.bodyTimeout, shutdownGrace: configuration.shutdownGrace,
            perCaller: .init(maxConcurrent: configuration.maxConcurrentPerKey, perMinute: configuration.requestsPerMinute)))
    let readiness = Readiness(account: account, tokens: graph.tokens, upstream: graph.health)
    router.get("/readyz") { _, _ in await readiness.response() }
    return Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [
                ParseErrorBodyHandler(), CloseAfterResponseHandler(),
                ConnectionDeadlineHandler(bodyTimeout: TimeAmount(configuration.bodyTimeout), writeTimeout: TimeAmount(configuration.writeTimeout)),
            ],
            idleTimeout: TimeAmount(configuration.clientIdleTimeout))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "copilot-gateway"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            access.serving(host: configuration.host, port: port)
            // A warning when the page is needed (not signed in), so that it shows at LOG_LEVEL=warning too.
            announceLink(await account?.currentSignIn?.isSignedIn != true)
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// How the routes pace and bound their clients.
public struct RouteLimits: Sendable {
    /// How often a `: keep-alive` comment goes out while Copilot is silent; zero: never.
    public var keepAliveInterval: Duration = .seconds(15)
    public var maxBodySize = 8 << 20
    /// How long a request's whole body may take to arrive.
    public var bodyTimeout: Duration = .seconds(30)
    public var shutdownGrace: Duration = .seconds(30)
    /// Each API key's share; no limits by default.
    public var perCaller = CallerLimits.Settings(maxConcurrent: 0, perMinute: 0)

    public init(
        keepAliveInterval: Duration = .seconds(15), maxBodySize: Int = 8 << 20, bodyTimeout: Duration = .seconds(30),
        shutdownGrace: Duration = .seconds(30), perCaller: CallerLimits.Settings = .init(maxConcurrent: 0, perMinute: 0)
    ) {
        self.keepAliveInterval = keepAliveInterval
        self.maxBodySize = maxBodySize
        self.bodyTimeout = bodyTimeout
        self.shutdownGrace = shutdownGrace
        self.perCaller = perCaller
    }
}

/// The gateway's routes behind the OpenAI error middleware: the OpenAI API (behind the API keys when
/// there are any, and each key's limits), health, metrics, and sign-in (for the machine itself, or
/// with the admin key).
public func buildRouter(
    chat: ChatService, account: MicrosoftAccount? = nil, modelNames: [String], apiKeys: APIKeys = APIKeys([]),
    access: AdminAccess = AdminAccess(adminKey: nil), announceLink: @escaping @Sendable () -> Void = {}, limits: RouteLimits = RouteLimits()
) -> Router<GatewayRequestContext> {
    let metrics = chat.metrics
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: OpenAIErrorMiddleware())
    router.add(middleware: RequestLogMiddleware())

    let api = router.group()
        .add(middleware: APIKeyMiddleware(keys: apiKeys, metrics: metrics))
        .add(middleware: CallerLimitMiddleware(
            limits: CallerLimits(limits.perCaller), body: RequestBodyReader(maxSize: limits.maxBodySize, deadline: limits.bodyTimeout),
            metrics: metrics))
    ChatCompletionsController(chat: chat, keepAliveInterval: limits.keepAliveInterval, shutdownGrace: limits.shutdownGrace).addRoutes(to: api)
    ImagesController().addRoutes(to: api)
    let startedAt = Int(Date().timeIntervalSince1970)
    let models = ModelList(data: modelNames.map { .init(id: $0, created: startedAt) })
    api.get("/v1/models") { _, _ in ChatCompletionsController.json(models) }
    api.get("/models") { _, _ in ChatCompletionsController.json(models) }

    LoginController(account: account, access: access, announceLink: announceLink).addRoutes(to: router)
    MetricsController(metrics: metrics, directory: chat.directory, gate: chat.gate, access: access).addRoutes(to: router)
    router.get("/health") { _, _ in
        ChatCompletionsController.json(Health(ok: true, time: Int(Date().timeIntervalSince1970)))
    }
    router.get("/healthz") { _, _ in ChatCompletionsController.json(["ok": true]) }
    return router
}

/// `GET /health`, as the original gateway answered it.
struct Health: Encodable {
    var ok: Bool
    var time: Int
    /// The gateway's version and the commit it was built from (`BuildInfo.summary`).
    var version = BuildInfo.summary
}

/// `GET /readyz`: 200 when the gateway can serve chats (signed in, and Graph answered its latest call),
/// else 503 with the reason.
struct Readiness: Sendable {
    let account: MicrosoftAccount?
    let tokens: any AccessTokenProvider
    let upstream: UpstreamHealth

    struct Body: Encodable {
        var ready: Bool
        var reason: String?
    }

    func response() async -> Response {
        var reason: String?
        if let account {
            if await account.currentSignIn?.isSignedIn != true { reason = "not signed in to Microsoft 365" }
        } else if tokens is MissingAccessTokenProvider {
            reason = "no way to sign in: set CLIENT_ID or COPILOT_ACCESS_TOKEN"
        }
        if reason == nil, let since = await upstream.unreachableSince {
            reason = "Microsoft Graph did not answer the latest call (since \(since.formatted(.iso8601)))"
        }
        var response = ChatCompletionsController.json(Body(ready: reason == nil, reason: reason))
        if reason != nil { response.status = .serviceUnavailable }
        return response
    }
}
