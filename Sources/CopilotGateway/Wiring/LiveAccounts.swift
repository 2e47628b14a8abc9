import AsyncHTTPClient
import Foundation
import Logging

/// The accounts of a running server, as they are on disk: `default` (when `CLIENT_ID` is set) and every
/// cache in `STATE_DIR/accounts`. The folder is read again at most every two seconds, so an account
/// that `login --account` adds, or whose upstream it changes, serves without a restart, and one that
/// `logout --forget` removes stops serving. An account `/login` makes for a sign-in is kept until its
/// sign-in writes its cache. Reading the folder means reading every cache, so it is read only when the
/// folder or the default cache changed since (their modification times; every cache is replaced by a
/// rename in its folder), or at the latest every 30 seconds.
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
    private var entries: [String: Entry] = [:]
    /// Accounts `/login` made whose sign-in has not written their cache yet.
    private var pending: Set<String> = []
    private var order: [String] = []
    private var lastScan: ContinuousClock.Instant?
    /// When the folder was last read whole, and what the folder and the default cache looked like then.
    private var lastRead: (at: ContinuousClock.Instant, marks: [Date?])?

    init(configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger, metrics: GatewayMetrics) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.metrics = metrics
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
        pending.insert(name)
        logger.notice("A sign-in from /login makes a new account", metadata: ["account": "\(name)"])
        return add(configuration.profileForSignIn(name, upstream: .graph)).account
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
        let marks = [configuration.accountsFolder, configuration.tokenCachePath].map(Self.modified)
        if !force, let lastRead, lastRead.marks == marks, ContinuousClock.now - lastRead.at < .seconds(30) { return }
        lastRead = (.now, marks)
        let profiles = configuration.accountProfiles()
        for profile in profiles where entries[profile.name]?.profile != profile {
            if entries[profile.name] != nil { logger.notice("An account's settings changed on disk; using them", metadata: ["account": "\(profile.name)"]) }
            add(profile)
        }
        let names = Set(profiles.map(\.name))
        pending.subtract(names)
        for gone in entries.keys where !names.contains(gone) && !pending.contains(gone) {
            logger.notice("The account is gone from disk (logout --forget); it no longer serves", metadata: ["account": "\(gone)"])
            entries[gone] = nil
        }
        order = profiles.map(\.name) + pending.sorted()
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    @discardableResult
    private func add(_ profile: AccountProfile) -> Entry {
        let account = MicrosoftAccount(profile: profile, configuration: configuration, httpClient: httpClient, logger: logger, polls: polls, metrics: metrics)
        let base = profile.upstream == .workIQ ? configuration.workIQBaseURL : configuration.graphBaseURL
        var clientLogger = logger
        clientLogger[metadataKey: "account"] = "\(profile.name)"
        let health = UpstreamHealth()
        let client = GraphClient(
            httpClient: httpClient, baseURL: base, api: profile.upstream, tokens: account, timeout: configuration.upstreamTimeout,
            asksForDeltas: configuration.deltaStreaming, health: health, logger: clientLogger)
        let upstream = UpstreamAccount(name: profile.name, api: profile.upstream, upstream: client, tokens: account, health: health)
        let entry = Entry(profile: profile, account: account, upstream: upstream)
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
