import AsyncHTTPClient
import Foundation
import Logging

/// What the gateway is built from that reaches outside the process or keeps state: the Microsoft
/// accounts (where each one's turns go and how it gets tokens), where conversations are kept, the
/// metrics registry and the clock. `live` makes them from the configuration; tests put fakes in their place.
public struct GatewayDependencies: Sendable {
    var accounts: any AccountSource
    /// The accounts `/login` can sign in; nil with a fixed token, the simulator, or no way to sign in.
    public private(set) var signIn: (any SignInDirectory)?
    /// Where the accounts' server-side sign-ins poll, when there are any.
    var signInPolls: SignInPolls?
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
        accounts: any AccountSource, signIn: (any SignInDirectory)? = nil, signInPolls: SignInPolls? = nil,
        conversations: any ConversationStore, responses: (any ResponseStore)? = nil,
        compactionSeal: CompactionSeal = .ephemeral(), metrics: GatewayMetrics = GatewayMetrics(),
        adminAccess: AdminAccess? = nil, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.accounts = accounts
        self.signIn = signIn
        self.signInPolls = signInPolls
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
        /// As the configuration says: `COPILOT_ACCESS_TOKEN`, else the accounts on disk (`default`, of
        /// `CLIENT_ID`, which starts a device-code sign-in when a request finds it signed out, and those
        /// `login --account` made), else none at all.
        case configured
        /// This fixed token (the built-in simulator's).
        case token(String)
        /// This account, alone.
        case account(MicrosoftAccount)
    }

    /// The real thing: each account's Copilot (Microsoft Graph at `GRAPH_BASE_URL`, or Work IQ at
    /// `WORKIQ_BASE_URL`) over `httpClient`, and the conversations in `STATE_DIR/conversations.sqlite`
    /// (with the compaction key beside them, in `STATE_DIR/compaction.key`) unless `conversations` says otherwise.
    ///
    /// - Throws: ``ConversationStoreError`` when the conversation store cannot be opened.
    public static func live(
        configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, metrics: GatewayMetrics = GatewayMetrics(),
        signIn: SignIn = .configured, conversations: (any ConversationStore)? = nil, adminAccess: AdminAccess? = nil
    ) async throws -> GatewayDependencies {
        let store = try conversations ?? SQLiteConversationStore(path: configuration.stateDirectory + "/conversations.sqlite")
        let seal = conversations == nil ? try CompactionSeal.stored(inFolder: configuration.stateDirectory) : .ephemeral()
        var dependencies = GatewayDependencies(
            accounts: FixedAccounts([]), conversations: store, compactionSeal: seal, metrics: metrics, adminAccess: adminAccess, logger: logger)
        func fixed(_ tokens: any AccessTokenProvider) -> any AccountSource {
            var clientLogger = logger
            clientLogger[metadataKey: "account"] = "\(AccountName.default)"
            let health = UpstreamHealth()
            let graph = GraphClient(configuration: configuration, httpClient: httpClient, tokens: tokens, health: health, logger: clientLogger)
            return FixedAccounts([UpstreamAccount(name: AccountName.default, upstream: graph, tokens: tokens, health: health)])
        }
        switch signIn {
        case .token(let token):
            dependencies.accounts = fixed(StaticAccessTokenProvider(token: token))
        case .account(let account):
            dependencies.accounts = fixed(account)
            dependencies.signIn = SingleSignIn(account: account)
            dependencies.signInPolls = account.signInPolls
        case .configured:
            if let token = configuration.accessToken {
                logger.notice("Using the access token in COPILOT_ACCESS_TOKEN; it is not refreshed")
                dependencies.accounts = fixed(StaticAccessTokenProvider(token: token))
            } else if configuration.accountProfiles().isEmpty {
                if configuration.hasMicrosoftCredentials {
                    logger.warning("CLIENT_ID is not set: the gateway cannot sign in to Microsoft 365 and chat requests answer 401")
                }
                dependencies.accounts = fixed(MissingAccessTokenProvider())
            } else {
                let live = LiveAccounts(configuration: configuration, httpClient: httpClient, logger: logger, metrics: metrics)
                await live.load()
                (dependencies.accounts, dependencies.signIn, dependencies.signInPolls) = (live, live, live.polls)
            }
        }
        return dependencies
    }

    /// Checks that every key bound to accounts names accounts there are; the error names the key's line.
    public func checkBindings(_ bindings: [APIKeyBinding]) async throws(ConfigurationError) {
        let names = Set(await accounts.accounts().map(\.name))
        let problems = bindings.flatMap { binding in
            (binding.accounts ?? []).filter { !names.contains($0) }.map { name in
                ConfigurationError.Problem(
                    name: "GATEWAY_API_KEYS", value: "\(binding.origin): account=\(name)",
                    expected: "an account the gateway has (\(names.sorted().joined(separator: ", "))); sign it in first with `copilot-gateway login --account \(name)`")
            }
        }
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }
}

/// One account's sign-in, for `/login`.
struct SingleSignIn: SignInDirectory {
    let account: MicrosoftAccount

    func signInAccount(named name: String, creating: Bool) async -> MicrosoftAccount? {
        name == AccountName.default ? account : nil
    }

    func signInAccountNames() async -> [String] { [AccountName.default] }
}

extension GraphClient {
    /// The client for the configured Graph (`GRAPH_BASE_URL`, `COPILOT_TIMEOUT`).
    public init(
        configuration: GatewayConfiguration, httpClient: HTTPClient, tokens: any AccessTokenProvider, health: UpstreamHealth = UpstreamHealth(),
        logger: Logger
    ) {
        self.init(
            httpClient: httpClient, baseURL: configuration.graphBaseURL, tokens: tokens, timeout: configuration.upstreamTimeout,
            asksForDeltas: configuration.deltaStreaming, health: health, logger: logger)
    }
}

extension MicrosoftAccount {
    /// The account `default` of a configuration: its identity endpoints (`LOGIN_BASE_URL`, `TENANT_ID`,
    /// `CLIENT_ID`, `COPILOT_SCOPES`) and its token cache (`TOKEN_CACHE`).
    public init(
        configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, signsInWhenNeeded: Bool, metrics: GatewayMetrics? = nil
    ) {
        self.init(
            profile: configuration.defaultAccountProfile, configuration: configuration, httpClient: httpClient, logger: logger,
            signsInWhenNeeded: signsInWhenNeeded, metrics: metrics)
    }

    /// The account of `profile`, signing in at the configuration's identity platform (`LOGIN_BASE_URL`).
    public init(
        profile: AccountProfile, configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, signsInWhenNeeded: Bool = true,
        polls: SignInPolls = SignInPolls(), metrics: GatewayMetrics? = nil
    ) {
        let identity = IdentityClient(
            httpClient: httpClient, baseURL: configuration.loginBaseURL, tenant: profile.tenant, clientID: profile.clientID, logger: logger)
        let loginHost = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
        var logger = logger
        logger[metadataKey: "account"] = "\(profile.name)"
        self.init(
            identity: identity, cache: TokenCacheFile(path: profile.cachePath),
            settings: .init(
                tenant: profile.tenant, clientID: profile.clientID, scopes: profile.scopes, loginPageURL: "http://\(loginHost):\(configuration.port)/login",
                signsInWhenNeeded: signsInWhenNeeded, name: profile.name, upstream: profile.upstream),
            logger: logger, polls: polls, metrics: metrics)
    }
}
