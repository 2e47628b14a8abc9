import AsyncHTTPClient
import Foundation
import Logging

/// The accounts of a running server, as they are on disk: `default` (when `CLIENT_ID` is set) and every
/// cache in `STATE_DIR/accounts`. The folder is read again at most every two seconds, so an account
/// that `login --account` adds, or whose upstream it changes, serves without a restart.
actor LiveAccounts: AccountSource, SignInDirectory {
    private struct Entry {
        var profile: AccountProfile
        var account: MicrosoftAccount
        var upstream: UpstreamAccount
    }

    let configuration: GatewayConfiguration
    let httpClient: HTTPClient
    let logger: Logger
    let metrics: GatewayMetrics
    /// Where every account's server-side sign-in polls run.
    nonisolated let polls: SignInPolls
    /// Whether Copilot answered lately, over every account.
    nonisolated let health: UpstreamHealth
    private var entries: [String: Entry] = [:]
    private var order: [String] = []
    private var lastScan: ContinuousClock.Instant?

    init(configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, metrics: GatewayMetrics, health: UpstreamHealth) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.metrics = metrics
        self.health = health
        self.polls = SignInPolls()
    }

    func accounts() async -> [UpstreamAccount] {
        rescanIfDue()
        return order.compactMap { entries[$0]?.upstream }
    }

    func signInAccount(named name: String, creating: Bool) async -> MicrosoftAccount? {
        rescanIfDue()
        if let entry = entries[name] { return entry.account }
        guard creating, AccountName.isValid(name), !configuration.clientID.isEmpty else { return nil }
        var profile = configuration.defaultAccountProfile
        profile.name = name
        profile.cachePath = AccountProfile.cachePath(of: name, in: configuration.accountsFolder)
        return add(profile).account
    }

    func signInAccountNames() async -> [String] {
        rescanIfDue()
        return order
    }

    /// The first scan, at start-up: problems with the caches show in the log at once.
    func load() async {
        rescanIfDue(force: true)
        for name in order {
            if let problem = await entries[name]?.account.cacheError { logger.error("\(problem.description)", metadata: ["account": "\(name)"]) }
        }
    }

    private func rescanIfDue(force: Bool = false) {
        if !force, let lastScan, ContinuousClock.now - lastScan < .seconds(2) { return }
        lastScan = .now
        let profiles = configuration.accountProfiles()
        for profile in profiles where entries[profile.name]?.profile != profile {
            if entries[profile.name] != nil { logger.notice("An account's settings changed on disk; using them", metadata: ["account": "\(profile.name)"]) }
            add(profile)
        }
        // An account made for a sign-in from /login stays until its cache exists.
        let names = Set(profiles.map(\.name))
        order = profiles.map(\.name) + entries.keys.filter { !names.contains($0) }.sorted()
    }

    @discardableResult
    private func add(_ profile: AccountProfile) -> Entry {
        let account = MicrosoftAccount(profile: profile, configuration: configuration, httpClient: httpClient, logger: logger, polls: polls, metrics: metrics)
        let base = profile.upstream == .workIQ ? configuration.workIQBaseURL : configuration.graphBaseURL
        let client = GraphClient(
            httpClient: httpClient, baseURL: base, api: profile.upstream, tokens: account, timeout: configuration.upstreamTimeout,
            asksForDeltas: configuration.deltaStreaming, health: health, logger: logger)
        let entry = Entry(profile: profile, account: account, upstream: UpstreamAccount(name: profile.name, api: profile.upstream, upstream: client, tokens: account))
        entries[profile.name] = entry
        return entry
    }
}

extension GatewayConfiguration {
    /// Where the named accounts' token caches are.
    public var accountsFolder: String { stateDirectory + "/accounts" }

    /// The account `default`: the settings' sign-in and `TOKEN_CACHE`; its upstream (and, for Work IQ,
    /// its scopes) as its cache says.
    public var defaultAccountProfile: AccountProfile {
        var profile = AccountProfile(
            name: AccountName.default, tenant: signInTenant, clientID: clientID, scopes: scopes, upstream: .graph, cachePath: tokenCachePath)
        if let cached = try? TokenCacheFile(path: tokenCachePath).load(), let upstream = cached.upstream, upstream != .graph {
            profile.upstream = upstream
            profile.scopes = cached.scopes
        }
        return profile
    }

    /// Every account on disk: `default` when `CLIENT_ID` is set, then the named ones by name.
    public func accountProfiles() -> [AccountProfile] {
        let fallback = defaultAccountProfile
        let named = AccountProfile.named(in: accountsFolder, fallback: fallback)
        return (clientID.isEmpty ? [] : [fallback]) + named
    }

    /// The profile `login --account name` signs in with: the account's own when it exists, else a new
    /// one with the settings' sign-in; `upstream` (with Work IQ's scopes) when given.
    public func profileForSignIn(_ name: String, upstream: CopilotAPI?) -> AccountProfile {
        var profile = accountProfiles().first { $0.name == name } ?? {
            var new = defaultAccountProfile
            new.name = name
            new.upstream = .graph
            new.scopes = scopes
            new.cachePath = name == AccountName.default ? tokenCachePath : AccountProfile.cachePath(of: name, in: accountsFolder)
            return new
        }()
        if let upstream, upstream != profile.upstream {
            profile.upstream = upstream
            profile.scopes = upstream == .workIQ ? Self.workIQScopes : scopes
        }
        return profile
    }
}
