import Foundation
import Logging

/// The signed-in Microsoft 365 account: hands out access tokens, refreshes them ahead of expiry,
/// keeps the token cache, and runs device-code sign-ins without ever blocking a request.
///
/// - Concurrent requests that need a refresh share one call to the token endpoint.
/// - A refresh that Microsoft refuses (`invalid_grant`) signs the account out with the reason.
/// - A refresh that fails on the network or with a 5xx keeps the old token while it is still valid
///   and tries again after a growing pause (1 s, 2 s, 4 s … 60 s).
public actor MicrosoftAccount: AccessTokenProvider {
    public struct Settings: Sendable {
        public var tenant: String
        public var clientID: String
        public var scopes: [String]
        /// How the person reaches the sign-in page of a running gateway, for error messages.
        public var loginPageURL: String?
        /// A server starts a device-code sign-in (shown in its log) when a request finds it signed out.
        public var signsInWhenNeeded: Bool
        /// The account's name (`default`, or one given to `login --account`), for messages and logs.
        public var name: String
        /// Where the account's turns go, written into its cache with each sign-in.
        public var upstream: CopilotAPI

        public init(
            tenant: String, clientID: String, scopes: [String], loginPageURL: String? = nil, signsInWhenNeeded: Bool = false,
            name: String = AccountName.default, upstream: CopilotAPI = .graph
        ) {
            self.name = name
            self.upstream = upstream
            self.tenant = tenant
            self.clientID = clientID
            self.scopes = scopes
            self.loginPageURL = loginPageURL
            self.signsInWhenNeeded = signsInWhenNeeded
        }
    }

    /// Where a sign-in started by the server stands.
    public enum SignInProgress: Sendable, Equatable {
        case none
        case waiting(DeviceCodeGrant, expiresAt: Date)
        case failed(String)
    }

    let identity: IdentityClient
    let cache: TokenCacheFile
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    /// Counts refreshes for `/metrics`.
    let metrics: GatewayMetrics?

    var signIn: CachedSignIn?
    var cacheProblem: TokenCacheError?
    var cacheModified: Date?
    var refreshTask: Task<CachedSignIn, any Error>?
    var refreshFailures = 0
    var nextRefreshAttempt: Date?
    var progress: SignInProgress = .none
    /// Where the polls of server-side sign-ins run: a service of the gateway's application.
    public nonisolated let signInPolls: SignInPolls
    var signInStart: Task<SignInProgress, Never>?
    var lastSignInStart: Date?

    public init(
        identity: IdentityClient, cache: TokenCacheFile, settings: Settings, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        polls: SignInPolls = SignInPolls(), metrics: GatewayMetrics? = nil
    ) {
        self.signInPolls = polls
        self.metrics = metrics
        self.identity = identity
        self.cache = cache
        self.settings = settings
        self.logger = logger
        self.now = now
        self.sleep = sleep
        // Reading the cache here keeps start-up errors visible at once (`loadCache` logs them).
        (self.signIn, self.cacheProblem) = Self.read(cache, settings: settings)
        self.cacheModified = cache.modificationDate
    }

    // MARK: Access tokens

    public func accessToken() async throws -> String {
        reloadCacheIfChanged()
        guard let current = signIn, current.isSignedIn else {
            if settings.signsInWhenNeeded { _ = await beginSignIn() }
            throw notSignedInError()
        }
        if let token = current.accessToken, let expiry = current.accessTokenExpiresAt, expiry.timeIntervalSince(now()) > refreshMargin(current) {
            return token
        }
        do {
            let refreshed = try await refreshed()
            guard let token = refreshed.accessToken else { throw notSignedInError() }
            return token
        } catch let error as IdentityError {
            if case .invalidGrant = error { throw notSignedInError() }
            // Keep serving with the old token while it is still valid.
            if let token = signIn?.accessToken, let expiry = signIn?.accessTokenExpiresAt, expiry > now() { return token }
            throw UpstreamError.signInUnavailable(error.message)
        }
    }

    public func tokenWasRejected(_ token: String) async {
        guard signIn?.accessToken == token else { return }
        logger.info("Graph rejected the access token; refreshing it")
        signIn?.accessTokenExpiresAt = .distantPast
    }

    /// Refresh when less than a quarter of the token's life, at most five minutes, is left.
    func refreshMargin(_ signIn: CachedSignIn) -> TimeInterval {
        min(300, Double(signIn.accessTokenLifetime ?? 3600) / 4)
    }

    /// Refreshes the access token now, whatever its expiry (`copilot-gateway status`).
    public func refreshNow() async throws -> CachedSignIn {
        nextRefreshAttempt = nil
        return try await refreshed()
    }

    /// One refresh for everyone who needs it now. A cache another process changed since it was read
    /// (`logout`, or `login` signing in anew) is taken first: a logged-out account is not brought back.
    func refreshed() async throws -> CachedSignIn {
        if let refreshTask { return try await refreshTask.value }
        adoptCacheChangedElsewhere()
        if let nextRefreshAttempt, nextRefreshAttempt > now() {
            throw IdentityError.unavailable("the last refresh failed; the next try is at \(nextRefreshAttempt.formatted(.iso8601))", retryAfter: nil)
        }
        guard let current = signIn, let refreshToken = current.refreshToken else { throw notSignedInError() }
        let task = Task { [identity, settings] in
            let response = try await identity.refresh(refreshToken, scopes: settings.scopes)
            return Self.updated(current, with: response, at: self.now())
        }
        refreshTask = task
        defer { refreshTask = nil }
        do {
            let updated = try await task.value
            metrics?.tokenRefresh(succeeded: true)
            refreshFailures = 0
            nextRefreshAttempt = nil
            do {
                try store(updated)
            } catch {
                // The new tokens work from memory; the saved refresh token stays valid too (Microsoft
                // does not revoke a rotated one), so a restart still finds a usable sign-in.
                logger.error("Could not save the refreshed tokens", metadata: ["detail": "\(error.description)"])
            }
            logger.info("Refreshed the Microsoft access token", metadata: ["expires": "\(updated.accessTokenExpiresAt?.formatted(.iso8601) ?? "-")"])
            return updated
        } catch let error as IdentityError {
            metrics?.tokenRefresh(succeeded: false)
            switch error {
            case .invalidGrant(let detail):
                logger.error("Microsoft refused the saved sign-in; the account is signed out", metadata: ["detail": "\(detail)"])
                var signedOut = current
                signedOut.accessToken = nil
                signedOut.accessTokenExpiresAt = nil
                signedOut.refreshToken = nil
                signedOut.signedOutReason = error.message
                signedOut.updatedAt = now()
                try? store(signedOut)
            default:
                refreshFailures += 1
                let pause = min(60, pow(2, Double(refreshFailures - 1)))
                nextRefreshAttempt = now().addingTimeInterval(pause)
                logger.warning("Refreshing the Microsoft access token failed; retrying later", metadata: ["detail": "\(error.message)", "retry_in_s": "\(pause)"])
            }
            throw error
        }
    }

    // MARK: State and cache

    /// Saves `signIn` as the current sign-in.
    func store(_ new: CachedSignIn) throws(TokenCacheError) {
        signIn = new
        try cache.save(new)
        cacheProblem = nil
        cacheModified = cache.modificationDate
    }

    /// Reads the cache again when another process wrote it, or removed it from its folder (`logout`),
    /// since this account last did. A cache whose folder is gone is a broken disk, not a logout: the
    /// tokens in memory go on working.
    func adoptCacheChangedElsewhere() {
        let modified = cache.modificationDate
        guard modified != cacheModified else { return }
        var isFolder: ObjCBool = false
        let folder = (cache.path as NSString).deletingLastPathComponent
        guard modified != nil || (FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && isFolder.boolValue) else { return }
        cacheModified = modified
        (signIn, cacheProblem) = Self.read(cache, settings: settings)
        if signIn?.isSignedIn != true { logger.notice("The account was signed out by another process (copilot-gateway logout)") }
    }

    /// Picks up a sign-in written by another process, such as `copilot-gateway login`.
    func reloadCacheIfChanged() {
        guard signIn?.isSignedIn != true || cacheProblem != nil else { return }
        let modified = cache.modificationDate
        guard modified != cacheModified else { return }
        cacheModified = modified
        (signIn, cacheProblem) = Self.read(cache, settings: settings)
        if signIn?.isSignedIn == true {
            logger.notice("Signed in from the token cache", metadata: ["account": "\(signIn?.account?.displayName ?? "-")"])
            progress = .none
        }
    }

    static func read(_ cache: TokenCacheFile, settings: Settings) -> (CachedSignIn?, TokenCacheError?) {
        do {
            guard let cached = try cache.load() else { return (nil, nil) }
            // A cache for another app registration or tenant cannot be refreshed with ours.
            guard cached.clientID == settings.clientID, cached.tenant == settings.tenant else { return (nil, nil) }
            return (cached, nil)
        } catch {
            return (nil, error)
        }
    }

    static func updated(_ signIn: CachedSignIn, with response: TokenResponse, at time: Date) -> CachedSignIn {
        var updated = signIn
        updated.accessToken = response.accessToken
        updated.accessTokenLifetime = response.expiresIn
        updated.accessTokenExpiresAt = time.addingTimeInterval(Double(response.expiresIn))
        // Microsoft rotates refresh tokens: always keep the newest one.
        if let refreshToken = response.refreshToken { updated.refreshToken = refreshToken }
        if let idToken = response.idToken, let account = AccountInfo(idToken: idToken) { updated.account = account }
        if let scope = response.scope { updated.grantedScopes = scope }
        updated.signedOutReason = nil
        updated.updatedAt = time
        return updated
    }

    /// Whether the account can produce access tokens now (picking up a sign-in `login` wrote).
    public var isSignedIn: Bool {
        get async { currentSignIn?.isSignedIn == true }
    }

    /// When the current access token expires.
    public var tokenExpiry: Date? {
        get async { signIn?.accessTokenExpiresAt }
    }

    /// The current sign-in, for `status` and the login page (the caller must not print its tokens).
    public var currentSignIn: CachedSignIn? {
        reloadCacheIfChanged()
        return signIn
    }

    /// A problem reading the token cache at start-up, if there was one.
    public var cacheError: TokenCacheError? { cacheProblem }

    func notSignedInError() -> UpstreamError {
        let who = settings.name == AccountName.default ? "The gateway is" : "The gateway's account \(settings.name) is"
        var parts = ["\(who) not signed in to Microsoft 365."]
        if let reason = signIn?.signedOutReason { parts.append(reason) }
        if let cacheProblem { parts.append(cacheProblem.description) }
        if case .waiting(let grant, _) = progress {
            parts.append("A sign-in is waiting: open \(grant.verificationURI) and enter the code \(grant.userCode).")
        } else {
            let named = settings.name == AccountName.default ? "" : " --account \(settings.name)"
            var how = "Sign in on the server with `copilot-gateway login\(named)`"
            if let page = settings.loginPageURL {
                how += ", or open \(page)\(named.isEmpty ? "" : "?account=\(settings.name)") in a browser on the server"
            }
            parts.append(how + ".")
        }
        return .notSignedIn(parts.joined(separator: " "))
    }
}
