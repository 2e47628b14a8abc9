import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1

/// `copilot-gateway doctor`: checks what a gateway needs to serve chats (the settings, the state
/// folder and token cache, the clock, the time zone, and Copilot itself) and says what to fix.
public struct Doctor: Sendable {
    /// One finding, with what to do about it when it is not fine.
    public struct Finding: Sendable, Equatable {
        public enum Level: Sendable {
            case ok, note, warning, problem
        }

        public var level: Level
        public var topic: String
        public var text: String
        public var fix: String?

        public init(_ level: Level, _ topic: String, _ text: String, fix: String? = nil) {
            self.level = level
            self.topic = topic
            self.text = text
            self.fix = fix
        }
    }

    let configuration: GatewayConfiguration
    let httpClient: HTTPClient
    /// The accounts to check, when sign-in is configured (CLIENT_ID, or accounts `login --account` made).
    let accounts: [(profile: AccountProfile, account: MicrosoftAccount)]
    let now: @Sendable () -> Date
    let unknownSettings: [String]

    public init(
        configuration: GatewayConfiguration, httpClient: HTTPClient, accounts: [(profile: AccountProfile, account: MicrosoftAccount)],
        unknownSettings: [String] = [], now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.accounts = accounts
        self.unknownSettings = unknownSettings
        self.now = now
    }

    /// A doctor for the account `default` of the settings alone.
    public init(
        configuration: GatewayConfiguration, httpClient: HTTPClient, account: MicrosoftAccount?, unknownSettings: [String] = [],
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        let profile = AccountProfile(
            name: AccountName.default, tenant: configuration.signInTenant, clientID: configuration.clientID, scopes: configuration.scopes,
            upstream: .graph, cachePath: configuration.tokenCachePath)
        self.init(
            configuration: configuration, httpClient: httpClient, accounts: account.map { [(profile, $0)] } ?? [], unknownSettings: unknownSettings,
            now: now)
    }

    /// Every check, in order. Nothing is changed, except that a due token refresh is made and saved,
    /// and the Copilot check starts one empty conversation.
    public func run() async -> [Finding] {
        var findings = settings()
        findings += stateFolder()
        findings += await clock()
        guard configuration.hasMicrosoftCredentials || !accounts.isEmpty else {
            findings.append(.init(
                .warning, "mode", "No Microsoft credentials: `serve` answers from the built-in simulator (demo mode).",
                fix: "Set TENANT_ID and CLIENT_ID (see the README, \"Using real Microsoft 365 Copilot\"), then run `copilot-gateway login`."))
            return findings
        }
        if let token = configuration.accessToken {
            findings.append(.init(.note, "sign-in", "COPILOT_ACCESS_TOKEN is set: that token is used as it is and never refreshed."))
            return findings + (await copilot(StaticAccessTokenProvider(token: token), profile: nil))
        }
        guard !accounts.isEmpty else {
            findings.append(.init(
                .problem, "sign-in", "CLIENT_ID is not set, so the gateway cannot sign in to Microsoft 365.",
                fix: "Set CLIENT_ID to the application (client) id of your Entra app registration."))
            return findings + (await copilot(nil, profile: nil))
        }
        for (profile, account) in accounts {
            let (signInFindings, signedIn) = await signIn(account, profile: profile)
            findings += signInFindings
            findings += await copilot(signedIn ? account : nil, profile: profile)
        }
        return findings
    }

    /// A topic, with the account's name for any account but `default`.
    static func topic(_ topic: String, _ profile: AccountProfile?) -> String {
        guard let profile, profile.name != AccountName.default else { return topic }
        return "\(topic) (\(profile.name))"
    }

    // MARK: Checks

    func settings() -> [Finding] {
        var findings: [Finding] = [.init(.ok, "settings", "The settings are valid.")]
        for name in unknownSettings {
            findings.append(.init(.warning, "settings", "\(name) is set but copilot-gateway does not use it.", fix: "Check its spelling against .env.example."))
        }
        if !configuration.listensOnLoopbackOnly, configuration.apiKeys.isEmpty {
            findings.append(.init(
                .problem, "settings", "HOST=\(configuration.host) is reachable from other machines, but no API key is set: `serve` refuses to start.",
                fix: "Set GATEWAY_API_KEYS (e.g. $(openssl rand -hex 24)), or HOST=127.0.0.1."))
        } else if configuration.apiKeys.isEmpty {
            findings.append(.init(.note, "settings", "No API keys: only programs on this machine can use the gateway (HOST=\(configuration.host))."))
        } else {
            findings.append(.init(.ok, "settings", "\(configuration.apiKeys.count) API key(s); listening on \(configuration.host):\(configuration.port)."))
        }
        if configuration.shutdownGrace > .seconds(40) {
            findings.append(.init(
                .note, "settings",
                "GATEWAY_SHUTDOWN_GRACE_SECONDS=\(configuration.shutdownGrace.components.seconds): the systemd unit in deploy/ gives the gateway 45 s to stop, then kills it.",
                fix: "Raise TimeoutStopSec (systemctl edit copilot-gateway) above the grace period plus 5 s, or lower the grace period."))
        }
        findings.append(.init(.ok, "time zone", "Copilot is told the time zone \(configuration.timeZone) (COPILOT_TIMEZONE, else the machine's zone)."))
        if configuration.timeZone == "UTC" {
            findings.append(.init(
                .note, "time zone", "The time zone is UTC: Copilot will read \"today\" and \"9 o'clock\" in UTC.",
                fix: "Set COPILOT_TIMEZONE to your users' zone, e.g. Asia/Shanghai."))
        }
        return findings
    }

    func stateFolder() -> [Finding] {
        let folder = configuration.stateDirectory
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            return [.init(.note, "state", "The state folder \(folder) does not exist yet; `login` or `serve` creates it (mode 0700).")]
        }
        guard isFolder.boolValue else {
            return [.init(.problem, "state", "\(folder) is not a folder.", fix: "Remove it, or set STATE_DIR to a folder.")]
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            return [.init(
                .problem, "state", "The state folder \(folder) is not writable by this user.",
                fix: "Run as the user the gateway runs as (e.g. `sudo -u copilot-gateway copilot-gateway doctor --env-file ...`), or fix its owner.")]
        }
        var findings: [Finding] = [.init(.ok, "state", "The state folder \(folder) is writable.")]
        if let mode = Self.permissions(folder), mode & 0o077 != 0 {
            findings.append(.init(
                .warning, "state", "The state folder \(folder) can be read by other users (mode \(String(mode, radix: 8))).",
                fix: "chmod 700 \(folder)"))
        }
        return findings
    }

    func signIn(_ account: MicrosoftAccount, profile: AccountProfile) async -> ([Finding], Bool) {
        let path = profile.cachePath
        let topic = Self.topic("sign-in", profile)
        let login = "copilot-gateway login" + (profile.name == AccountName.default ? "" : " --account \(profile.name)")
        if let problem = await account.cacheError {
            return ([.init(.problem, topic, problem.description, fix: "Run `\(login)` as the user the gateway runs as.")], false)
        }
        guard let signIn = await account.currentSignIn else {
            return ([.init(
                .problem, topic, "Not signed in: there is no token cache at \(path).",
                fix: "Run `\(login)` as the user the gateway runs as (with the same STATE_DIR), or open /login on the server.")], false)
        }
        var findings: [Finding] = []
        if let mode = Self.permissions(path), mode & 0o077 != 0 {
            findings.append(.init(.problem, topic, "The token cache \(path) is readable by other users (mode \(String(mode, radix: 8))).", fix: "chmod 600 \(path)"))
        }
        if let owner = Self.owner(path), owner != getuid() {
            findings.append(.init(
                .warning, topic, "The token cache \(path) belongs to another user (uid \(owner)); the gateway may not be able to replace it after a refresh.",
                fix: "Run `\(login)` as the user the gateway runs as."))
        }
        guard signIn.isSignedIn else {
            findings.append(.init(
                .problem, topic, "Signed out: \(signIn.signedOutReason ?? "the saved sign-in has expired").",
                fix: "Run `\(login)` again."))
            return (findings, false)
        }
        let who = signIn.account?.displayName ?? "an unnamed account"
        if signIn.tenant != profile.tenant || signIn.clientID != profile.clientID {
            findings.append(.init(
                .warning, topic, "The token cache was made for another app or tenant (client \(signIn.clientID), tenant \(signIn.tenant)).",
                fix: "Run `\(login)` with the current TENANT_ID and CLIENT_ID."))
        }
        do {
            _ = try await account.accessToken()
            let expiry = await account.currentSignIn?.accessTokenExpiresAt
            let remaining = expiry.map { Int($0.timeIntervalSince(now()) / 60) }
            findings.append(.init(.ok, topic, "Signed in as \(who); the access token is valid\(remaining.map { " for \($0) more minutes" } ?? "")."))
            return (findings, true)
        } catch {
            findings.append(.init(
                .problem, topic, "Signed in as \(who), but no access token could be had: \(Self.describe(error)).",
                fix: "Check that login.microsoftonline.com (LOGIN_BASE_URL) is reachable; if the sign-in was refused, run `\(login)` again."))
            return (findings, false)
        }
    }

    /// Microsoft's tokens are checked against the clock: a clock off by minutes makes them fail.
    func clock() async -> [Finding] {
        let url = configuration.loginBaseURL
        guard let serverDate = await Self.serverDate(url, httpClient: httpClient) else {
            return [.init(
                .warning, "clock", "Could not read the time from \(url): the clock was not compared.",
                fix: "Check the network; make sure the clock is synchronised (timedatectl).")]
        }
        let skew = now().timeIntervalSince(serverDate)
        if abs(skew) > 300 {
            return [.init(
                .problem, "clock", "This machine's clock is \(Int(abs(skew))) s \(skew > 0 ? "ahead of" : "behind") \(url): Microsoft will reject sign-ins and tokens.",
                fix: "Synchronise the clock: `timedatectl set-ntp true` (systemd-timesyncd) or chrony.")]
        }
        return [.init(.ok, "clock", "The clock agrees with \(url) (within \(max(1, Int(abs(skew).rounded(.up)))) s).")]
    }

    // MARK: Helpers

    static func serverDate(_ url: String, httpClient: HTTPClient) async -> Date? {
        var request = HTTPClientRequest(url: url + "/")
        request.method = .GET
        guard let response = try? await httpClient.execute(request, timeout: .seconds(10)) else { return nil }
        _ = try? await response.body.collect(upTo: 1 << 20)
        guard let header = response.headers.first(name: "Date") else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: header)
    }

    static func permissions(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    static func owner(_ path: String) -> UInt32? {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.ownerAccountID] as? NSNumber)?.uint32Value
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? any ClientFacingError { return error.failure.message }
        if let error = error as? IdentityError { return error.message }
        return String(describing: error)
    }

    /// The findings as the command prints them, and whether any of them is a problem.
    public static func report(_ findings: [Finding]) -> (text: String, healthy: Bool) {
        var lines: [String] = []
        for finding in findings {
            let mark = switch finding.level {
            case .ok: "ok     "
            case .note: "note   "
            case .warning: "warning"
            case .problem: "PROBLEM"
            }
            lines.append("\(mark)  \(finding.topic): \(finding.text)")
            if let fix = finding.fix, finding.level != .ok { lines.append("         fix: \(fix)") }
        }
        let problems = findings.filter { $0.level == .problem }.count
        lines.append(problems == 0 ? "\nNo problems found." : "\n\(problems) problem(s) to fix.")
        return (lines.joined(separator: "\n"), problems == 0)
    }
}
