import Hummingbird
import Logging
import NIOCore

/// Builds the gateway's HTTP application from its configuration and its dependencies (`live`, or
/// fakes in tests): the turn pipeline, the routes, the connection guards, and the services that run
/// beside the server (the sign-in polls of the accounts, when there are any).
public func buildApplication(
    configuration: GatewayConfiguration,
    dependencies: GatewayDependencies,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let (signIn, logger) = (dependencies.signIn, dependencies.logger)
    let access = dependencies.adminAccess ?? AdminAccess(adminKey: configuration.adminKey)
    // The secret way into /login (see AdminAccess); the journal is readable only by administrators.
    let announceLink: @Sendable (_ needed: Bool) -> Void = { needed in
        guard signIn != nil, let link = access.loginLink else { return }
        logger.log(level: needed ? .warning : .notice, "Sign-in page for this server (the link works once; keep it private): \(link)")
    }
    let directory = try await ConversationDirectory(
        store: dependencies.conversations, ttl: configuration.sessionTTL, capacity: configuration.maxConversations, logger: logger,
        now: dependencies.now)
    let turns = TurnPipeline(
        accounts: dependencies.accounts, policy: configuration.accountPolicy, settings: .init(configuration), directory: directory,
        metrics: dependencies.metrics, logger: logger)
    let keys = APIKeys(bindings: configuration.apiKeyBindings)
    // Which shape each path's errors take, for the router's and the HTTP parser's errors alike.
    let shapes = RouteShapes()
    let router = buildRouter(
        turns: turns, signIn: signIn, modelNames: configuration.modelNames, apiKeys: keys,
        access: access, announceLink: { announceLink(false) }, limits: RouteLimits(configuration),
        responses: dependencies.responses, responseTTL: configuration.sessionTTL, keptLimits: KeptLimits(
            count: configuration.maxConversations, bytesPerCaller: configuration.keptResponseBytesPerKey, bytes: configuration.keptResponseBytes),
        readiness: Readiness(accounts: turns.accounts, pools: keys.isEmpty ? [nil] : keys.allPools),
        shapes: shapes,
        compactionSeal: dependencies.compactionSeal)
    return Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [
                ParseErrorBodyHandler(shapes: shapes), CloseAfterResponseHandler(),
                ConnectionDeadlineHandler(bodyTimeout: TimeAmount(configuration.bodyTimeout), writeTimeout: TimeAmount(configuration.writeTimeout)),
            ],
            idleTimeout: TimeAmount(configuration.clientIdleTimeout))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "copilot-gateway"),
        services: dependencies.signInPolls.map { [$0] } ?? [],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            access.serving(host: configuration.host, port: port)
            // A warning when the page is needed (not signed in), so that it shows at LOG_LEVEL=warning too.
            announceLink(await signIn?.signInAccount(named: AccountName.default, creating: false)?.isSignedIn == false)
            await onServerRunning(port)
        },
        logger: logger
    )
}
