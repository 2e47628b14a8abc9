import AsyncHTTPClient
import Foundation
import Logging

/// What the gateway is built from that reaches outside the process or keeps state: where Copilot turns
/// go, how access tokens are had, the signed-in account, where conversations are kept, the metrics
/// registry and the clock. `live` makes them from the configuration; tests put fakes in their place.
public struct GatewayDependencies: Sendable {
    var upstream: any CopilotUpstream
    /// Whether Graph answered lately (`/readyz`).
    var upstreamHealth: UpstreamHealth
    var tokens: any AccessTokenProvider
    /// The signed-in account; nil with a fixed token, the simulator, or no way to sign in.
    public var account: MicrosoftAccount?
    var conversations: any ConversationStore
    /// The Responses API's kept answers (`previous_response_id`, `GET /v1/responses/{id}`).
    var responses: any ResponseStore
    /// Signs the Responses API's compaction items (`POST /v1/responses/compact`).
    var compactionSeal: CompactionSeal
    var metrics: GatewayMetrics
    /// Who may use `/login` and `/metrics`; by default the configuration's admin key.
    var adminAccess: AdminAccess?
    var logger: Logger
    var now: @Sendable () -> Date

    init(
        upstream: any CopilotUpstream, upstreamHealth: UpstreamHealth = UpstreamHealth(), tokens: any AccessTokenProvider,
        account: MicrosoftAccount? = nil, conversations: any ConversationStore, responses: (any ResponseStore)? = nil,
        compactionSeal: CompactionSeal = .ephemeral(), metrics: GatewayMetrics = GatewayMetrics(),
        adminAccess: AdminAccess? = nil, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.upstream = upstream
        self.upstreamHealth = upstreamHealth
        self.tokens = tokens
        self.account = account
        self.conversations = conversations
        // A store that keeps conversations in SQLite keeps the responses beside them.
        self.responses = responses ?? (conversations as? any ResponseStore) ?? MemoryResponseStore()
        self.compactionSeal = compactionSeal
        self.metrics = metrics
        self.adminAccess = adminAccess
        self.logger = logger
        self.now = now
    }

    /// How the gateway gets its Microsoft access tokens.
    public enum SignIn: Sendable {
        /// As the configuration says: `COPILOT_ACCESS_TOKEN`, else the account of `CLIENT_ID` (which
        /// starts a device-code sign-in when a request finds it signed out), else none at all.
        case configured
        /// This fixed token (the built-in simulator's).
        case token(String)
        /// This account.
        case account(MicrosoftAccount)
    }

    /// The real thing: Microsoft Graph (or whatever `GRAPH_BASE_URL` names) over `httpClient`, and the
    /// conversations in `STATE_DIR/conversations.sqlite` (with the compaction key beside them, in
    /// `STATE_DIR/compaction.key`) unless `conversations` says otherwise.
    ///
    /// - Throws: ``ConversationStoreError`` when the conversation store cannot be opened.
    public static func live(
        configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, metrics: GatewayMetrics = GatewayMetrics(),
        signIn: SignIn = .configured, conversations: (any ConversationStore)? = nil, adminAccess: AdminAccess? = nil
    ) async throws -> GatewayDependencies {
        let (tokens, account) = await tokenSource(signIn, configuration: configuration, httpClient: httpClient, logger: logger, metrics: metrics)
        let graph = GraphClient(configuration: configuration, httpClient: httpClient, tokens: tokens, logger: logger)
        let store = try conversations ?? SQLiteConversationStore(path: configuration.stateDirectory + "/conversations.sqlite")
        let seal = conversations == nil ? try CompactionSeal.stored(inFolder: configuration.stateDirectory) : .ephemeral()
        return GatewayDependencies(
            upstream: graph, upstreamHealth: graph.health, tokens: tokens, account: account, conversations: store, compactionSeal: seal,
            metrics: metrics, adminAccess: adminAccess, logger: logger)
    }

    private static func tokenSource(
        _ signIn: SignIn, configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, metrics: GatewayMetrics
    ) async -> (any AccessTokenProvider, MicrosoftAccount?) {
        switch signIn {
        case .token(let token):
            return (StaticAccessTokenProvider(token: token), nil)
        case .account(let account):
            return (account, account)
        case .configured:
            if let token = configuration.accessToken {
                logger.notice("Using the access token in COPILOT_ACCESS_TOKEN; it is not refreshed")
                return (StaticAccessTokenProvider(token: token), nil)
            }
            guard !configuration.clientID.isEmpty else {
                if configuration.hasMicrosoftCredentials {
                    logger.warning("CLIENT_ID is not set: the gateway cannot sign in to Microsoft 365 and chat requests answer 401")
                }
                return (MissingAccessTokenProvider(), nil)
            }
            let account = MicrosoftAccount(configuration: configuration, httpClient: httpClient, logger: logger, signsInWhenNeeded: true, metrics: metrics)
            if let problem = await account.cacheError { logger.error("\(problem.description)") }
            return (account, account)
        }
    }
}

extension GraphClient {
    /// The client for the configured Graph (`GRAPH_BASE_URL`, `COPILOT_TIMEOUT`).
    public init(configuration: GatewayConfiguration, httpClient: HTTPClient, tokens: any AccessTokenProvider, logger: Logger) {
        self.init(
            httpClient: httpClient, baseURL: configuration.graphBaseURL, tokens: tokens, timeout: configuration.upstreamTimeout,
            asksForDeltas: configuration.deltaStreaming, logger: logger)
    }
}

extension MicrosoftAccount {
    /// The account of a configuration: its identity endpoints (`LOGIN_BASE_URL`, `TENANT_ID`,
    /// `CLIENT_ID`, `COPILOT_SCOPES`) and its token cache (`TOKEN_CACHE`).
    public init(
        configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, signsInWhenNeeded: Bool, metrics: GatewayMetrics? = nil
    ) {
        let identity = IdentityClient(
            httpClient: httpClient, baseURL: configuration.loginBaseURL, tenant: configuration.signInTenant,
            clientID: configuration.clientID, logger: logger)
        let loginHost = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
        self.init(
            identity: identity, cache: TokenCacheFile(path: configuration.tokenCachePath),
            settings: .init(
                tenant: configuration.signInTenant, clientID: configuration.clientID, scopes: configuration.scopes,
                loginPageURL: "http://\(loginHost):\(configuration.port)/login", signsInWhenNeeded: signsInWhenNeeded),
            logger: logger, metrics: metrics)
    }
}
