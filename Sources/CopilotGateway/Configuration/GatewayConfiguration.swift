import Configuration
import Logging

import Foundation

/// Every setting of the gateway, read once at start-up from flags, the environment and `.env`.
///
/// Names are the original gateway's (`TENANT_ID`, `COPILOT_TIMEZONE`, …) so an old `.env` works unchanged.
public struct GatewayConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var tenantID: String
    public var clientID: String
    /// IANA time zone sent as `locationHint.timeZone` on every turn.
    public var timeZone: String
    /// Web grounding; the original's `COPILOT_DISABLE_WEB=1` (the default) turns it off.
    public var webEnabled: Bool
    /// Idle time after which a session's Copilot conversation is not reused (sliding).
    public var sessionTTL: Duration
    public var alwaysNewConversation: Bool
    /// Whether streamed turns ask Graph for delta streaming (`COPILOT_DELTA_STREAMING`, off by default:
    /// the option is undocumented, see ``GraphClient``).
    public var deltaStreaming: Bool
    /// Whether a turn that fails before any text (5xx, timeout, broken connection, empty reply) is
    /// tried once more on a fresh conversation (`COPILOT_RETRY_ON_5XX`).
    public var retryOn5xx: Bool
    public var stateDirectory: String
    public var tokenCachePath: String
    public var graphBaseURL: String
    public var loginBaseURL: String
    /// A static Graph bearer token (testing); never logged.
    public var accessToken: String?
    /// Extra model names listed by `GET /v1/models` beside `copilot`.
    public var modelAliases: [String]
    /// How Copilot's `[^n^]` citation markers reach the client.
    public var citations: CitationStyle
    /// How many conversations are tracked at most; the least recently used go first.
    public var maxConversations: Int
    /// How often a `: keep-alive` comment goes out while Copilot is silent in a stream; zero turns them off.
    public var keepAliveInterval: Duration
    /// Keys clients must present (`GATEWAY_API_KEYS` and the lines of `GATEWAY_API_KEY_FILE`), each with
    /// the accounts it may use; empty: none needed.
    public var apiKeyBindings: [APIKeyBinding]
    /// The keys alone.
    public var apiKeys: [String] { apiKeyBindings.map(\.key) }
    /// How a key's pool of accounts shares out new conversations (`COPILOT_ACCOUNT_POOL`).
    public var accountPolicy: AccountPolicy
    /// The Work IQ REST API's base (`WORKIQ_BASE_URL`), for accounts whose upstream is Work IQ.
    public var workIQBaseURL: String
    /// Opens `/metrics` and `/login` (`GATEWAY_ADMIN_KEY`; see `AdminAccess`).
    public var adminKey: String?
    /// The delegated scopes a sign-in asks for (`COPILOT_SCOPES`, space- or comma-separated).
    public var scopes: [String]
    /// How long Copilot may take to start answering (a whole `chat` answer, or a stream's first byte).
    /// A stream that has started is bounded by `streamIdleTimeout` instead.
    public var upstreamTimeout: Duration
    /// How long a started stream from Copilot may stay silent before it counts as broken.
    public var streamIdleTimeout: Duration
    public var logLevel: Logger.Level
    /// Logs prompts and replies (`LOG_MESSAGE_TEXT=1`); never by default.
    public var logsMessageText: Bool
    /// The largest request body accepted, in bytes (`GATEWAY_MAX_BODY_MB`).
    public var maxBodySize: Int
    /// The bytes of kept Responses API responses one API key may hold, and all of them together
    /// (`GATEWAY_KEPT_RESPONSES_MB_PER_KEY`, `GATEWAY_KEPT_RESPONSES_MB`); a response larger than
    /// either is not kept.
    public var keptResponseBytesPerKey: Int
    public var keptResponseBytes: Int
    /// Requests one API key may have running at once; zero: no limit.
    public var maxConcurrentPerKey: Int
    /// Requests one API key may start per minute; zero: no limit.
    public var requestsPerMinute: Int
    /// Turns of the Microsoft account talking to Copilot at once (`COPILOT_MAX_CONCURRENT`).
    public var maxConcurrentTurns: Int
    /// How long a turn waits for one of those places before it is answered 429.
    public var upstreamQueueWait: Duration
    /// How long a client connection may sit idle between requests before it is closed.
    public var clientIdleTimeout: Duration
    /// How long a request's whole body may take to arrive (`GATEWAY_BODY_TIMEOUT_SECONDS`).
    public var bodyTimeout: Duration
    /// How long an answer may wait for a client that does not read it (`GATEWAY_WRITE_TIMEOUT_SECONDS`).
    public var writeTimeout: Duration
    /// After SIGTERM, how long running streams may go on before they are ended with an error event.
    public var shutdownGrace: Duration

    /// Every setting this gateway reads, for `.env` checks and the documentation.
    public static let settingNames: Set<String> = [
        "HOST", "PORT", "TENANT_ID", "CLIENT_ID", "COPILOT_TIMEZONE", "COPILOT_DISABLE_WEB",
        "COPILOT_SESSION_TTL", "COPILOT_ALWAYS_NEW_CONVERSATION", "COPILOT_DELTA_STREAMING", "COPILOT_RETRY_ON_5XX", "STATE_DIR",
        "TOKEN_CACHE", "GRAPH_BASE_URL", "GATEWAY_BODY_TIMEOUT_SECONDS", "GATEWAY_WRITE_TIMEOUT_SECONDS", "LOGIN_BASE_URL", "COPILOT_ACCESS_TOKEN", "COPILOT_MODEL_ALIASES",
        "COPILOT_TIMEOUT", "LOG_LEVEL", "COPILOT_SCOPES", "COPILOT_CITATIONS", "COPILOT_MAX_CONVERSATIONS",
        "GATEWAY_API_KEYS", "GATEWAY_API_KEY_FILE", "GATEWAY_ADMIN_KEY", "COPILOT_KEEPALIVE_SECONDS",
        "COPILOT_STREAM_IDLE_SECONDS", "LOG_MESSAGE_TEXT", "GATEWAY_MAX_BODY_MB", "GATEWAY_MAX_CONCURRENT_PER_KEY",
        "GATEWAY_REQUESTS_PER_MINUTE", "COPILOT_MAX_CONCURRENT", "COPILOT_QUEUE_SECONDS", "GATEWAY_IDLE_TIMEOUT_SECONDS",
        "GATEWAY_SHUTDOWN_GRACE_SECONDS", "GATEWAY_KEPT_RESPONSES_MB_PER_KEY", "GATEWAY_KEPT_RESPONSES_MB",
        "COPILOT_ACCOUNT_POOL", "WORKIQ_BASE_URL",
    ]

    /// Settings whose values are secrets: never logged or printed.
    public static let secretNames: Set<String> = ["COPILOT_ACCESS_TOKEN", "GATEWAY_API_KEYS", "GATEWAY_ADMIN_KEY"]

    /// The seven delegated Graph permissions the Copilot Chat API needs, plus a refresh token and the id token.
    public static let defaultScopes = [
        "Sites.Read.All", "Mail.Read", "People.Read.All", "OnlineMeetingTranscript.Read.All", "Chat.Read",
        "ChannelMessage.Read.All", "ExternalItem.Read.All",
    ].map { "https://graph.microsoft.com/\($0)" } + ["offline_access", "openid", "profile"]

    /// What a Work IQ account asks for: Work IQ's one delegated permission, a refresh token and the id token.
    public static let workIQScopes = ["api://workiq.svc.cloud.microsoft/WorkIQAgent.Ask", "offline_access", "openid", "profile"]

    /// Reads and validates every setting; all problems are reported together in one error.
    public init(reader: ConfigReader, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        var settings = SettingReader(reader)
        self.host = settings.string("HOST") ?? "127.0.0.1"
        self.port = settings.parsed("PORT", default: 9000, expected: "a port number from 0 to 65535") { Int($0).flatMap { (0...65535).contains($0) ? $0 : nil } }
        self.tenantID = settings.string("TENANT_ID") ?? ""
        self.clientID = settings.string("CLIENT_ID") ?? ""

        self.timeZone = settings.parsed("COPILOT_TIMEZONE", default: Self.machineTimeZone(), expected: "an IANA time zone such as Asia/Shanghai or Europe/Berlin") {
            Self.isIANATimeZone($0) ? $0 : nil
        }

        self.webEnabled = !settings.flag("COPILOT_DISABLE_WEB", default: true)
        self.sessionTTL = settings.seconds("COPILOT_SESSION_TTL", default: Defaults.sessionTTLSeconds, range: 0...31_536_000)
        self.alwaysNewConversation = settings.flag("COPILOT_ALWAYS_NEW_CONVERSATION", default: false)
        self.deltaStreaming = settings.flag("COPILOT_DELTA_STREAMING", default: false)
        self.retryOn5xx = settings.flag("COPILOT_RETRY_ON_5XX", default: true)
        self.upstreamTimeout = settings.seconds("COPILOT_TIMEOUT", default: 300, range: 1...3600)
        self.keepAliveInterval = settings.seconds("COPILOT_KEEPALIVE_SECONDS", default: Defaults.keepAliveSeconds, range: 0...300)
        self.streamIdleTimeout = settings.seconds("COPILOT_STREAM_IDLE_SECONDS", default: 120, range: 5...3600)
        self.clientIdleTimeout = settings.seconds("GATEWAY_IDLE_TIMEOUT_SECONDS", default: 60, range: 1...3600)
        self.bodyTimeout = settings.seconds("GATEWAY_BODY_TIMEOUT_SECONDS", default: Defaults.bodyTimeoutSeconds, range: 1...3600)
        self.writeTimeout = settings.seconds("GATEWAY_WRITE_TIMEOUT_SECONDS", default: 60, range: 1...3600)
        self.shutdownGrace = settings.seconds("GATEWAY_SHUTDOWN_GRACE_SECONDS", default: Defaults.shutdownGraceSeconds, range: 0...3600)
        self.upstreamQueueWait = settings.seconds("COPILOT_QUEUE_SECONDS", default: Defaults.queueSeconds, range: 0...600)
        self.maxBodySize = settings.count("GATEWAY_MAX_BODY_MB", default: Defaults.maxBodyMB, range: 1...256) << 20
        self.keptResponseBytesPerKey = settings.count("GATEWAY_KEPT_RESPONSES_MB_PER_KEY", default: Defaults.keptResponsesMBPerKey, range: 1...65536) << 20
        self.keptResponseBytes = settings.count("GATEWAY_KEPT_RESPONSES_MB", default: Defaults.keptResponsesMB, range: 1...65536) << 20
        self.maxConcurrentPerKey = settings.count("GATEWAY_MAX_CONCURRENT_PER_KEY", default: 16, range: 0...100_000)
        self.requestsPerMinute = settings.count("GATEWAY_REQUESTS_PER_MINUTE", default: 0, range: 0...1_000_000)
        self.maxConcurrentTurns = settings.count("COPILOT_MAX_CONCURRENT", default: Defaults.maxConcurrentTurns, range: 1...100_000)

        self.stateDirectory = settings.string("STATE_DIR") ?? Self.defaultStateDirectory(environment: environment)
        self.tokenCachePath = settings.string("TOKEN_CACHE") ?? self.stateDirectory + "/token-cache.json"
        self.graphBaseURL = settings.url("GRAPH_BASE_URL", default: "https://graph.microsoft.com")
        self.workIQBaseURL = settings.url("WORKIQ_BASE_URL", default: "https://workiq.svc.cloud.microsoft/rest")
        self.accountPolicy = settings.parsed("COPILOT_ACCOUNT_POOL", default: .preference, expected: "preference or spread") {
            AccountPolicy(rawValue: $0.lowercased())
        }
        self.loginBaseURL = settings.url("LOGIN_BASE_URL", default: "https://login.microsoftonline.com")
        self.accessToken = settings.string("COPILOT_ACCESS_TOKEN")
        self.modelAliases = (settings.string("COPILOT_MODEL_ALIASES") ?? "")
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && $0 != "copilot" }

        self.citations = settings.parsed("COPILOT_CITATIONS", default: .markdown, expected: "markdown, strip or raw") { CitationStyle(rawValue: $0.lowercased()) }
        self.maxConversations = settings.parsed("COPILOT_MAX_CONVERSATIONS", default: Defaults.maxConversations, expected: "a whole number from 1 to 10000000") {
            Int($0).flatMap { (1...10_000_000).contains($0) ? $0 : nil }
        }
        self.apiKeyBindings = Self.apiKeys(&settings)
        self.adminKey = Self.adminKey(&settings, apiKeys: apiKeyBindings.map(\.key))
        self.scopes = Self.scopes(&settings)

        self.logLevel = settings.parsed("LOG_LEVEL", default: .info, expected: "one of trace, debug, info, notice, warning, error, critical") {
            Logger.Level(rawValue: $0.lowercased())
        }
        self.logsMessageText = settings.flag("LOG_MESSAGE_TEXT", default: false)

        if !settings.problems.isEmpty { throw ConfigurationError(problems: settings.problems) }
    }

    /// `GATEWAY_ADMIN_KEY`: at least 16 characters, and none of the API keys.
    static func adminKey(_ settings: inout SettingReader, apiKeys: [String]) -> String? {
        let adminKey = settings.string("GATEWAY_ADMIN_KEY")
        if let adminKey, adminKey.count < 16 {
            settings.report("GATEWAY_ADMIN_KEY", "a key of \(adminKey.count) characters", expected: "a key of at least 16 characters (try: openssl rand -hex 24)")
        }
        if let adminKey, apiKeys.contains(adminKey) {
            settings.report(
                "GATEWAY_ADMIN_KEY", "one of the API keys",
                expected: "a key of its own: every client with that API key could open /login and /metrics")
        }
        return adminKey
    }

    /// `COPILOT_SCOPES`, split on spaces and commas; `.default` and explicit Graph scopes do not mix.
    static func scopes(_ settings: inout SettingReader) -> [String] {
        let scopes = settings.string("COPILOT_SCOPES").map { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) } ?? defaultScopes
        if scopes.contains(where: { $0.hasSuffix("/.default") }),
            scopes.contains(where: { $0.hasPrefix("https://graph.microsoft.com/") && !$0.hasSuffix("/.default") })
        {
            settings.report("COPILOT_SCOPES", scopes.joined(separator: " "), expected: "either https://graph.microsoft.com/.default or explicit Graph scopes, not both")
        }
        return scopes
    }

    /// Whether Microsoft credentials of any kind are configured; without them `serve` runs the simulator.
    public var hasMicrosoftCredentials: Bool {
        accessToken != nil || !tenantID.isEmpty || !clientID.isEmpty
    }

    /// Whether `host` is reachable only from this machine: `localhost`, or an IPv4 address in
    /// 127.0.0.0/8 or the IPv6 loopback (also IPv4-mapped), parsed as addresses, not compared as text.
    public var listensOnLoopbackOnly: Bool {
        Self.isLoopback(host)
    }

    static func isLoopback(_ host: String) -> Bool {
        if host.lowercased() == "localhost" { return true }
        var ipv4 = in_addr()
        if inet_pton(AF_INET, host, &ipv4) == 1 {
            return UInt32(bigEndian: ipv4.s_addr) >> 24 == 127
        }
        var ipv6 = in6_addr()
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard inet_pton(AF_INET6, bare, &ipv6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: ipv6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }  // ::1
        let mapped = bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF
        return mapped && bytes[12] == 127  // ::ffff:127.x.y.z
    }

    /// The tenant a sign-in uses: `TENANT_ID`, or `organizations` (any work or school account) when unset.
    public var signInTenant: String { tenantID.isEmpty ? "organizations" : tenantID }

    /// The model names `GET /v1/models` lists.
    public var modelNames: [String] { ["copilot"] + modelAliases }

    static func isIANATimeZone(_ identifier: String) -> Bool {
        // Windows names ("China Standard Time") and bare abbreviations are not what Graph wants.
        guard !identifier.contains(" "), TimeZone(identifier: identifier) != nil else { return false }
        return identifier.contains("/") || identifier == "UTC" || identifier == "GMT"
    }

    /// The machine's IANA zone (from `TZ` or `/etc/localtime`), else UTC.
    static func machineTimeZone() -> String {
        let identifier = TimeZone.current.identifier
        return isIANATimeZone(identifier) ? identifier : "UTC"
    }

    static func defaultStateDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/copilot-gateway" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/state/copilot-gateway"
    }
}

/// One start-up error that names every invalid setting.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public struct Problem: Sendable, Equatable {
        public var name: String
        public var value: String
        public var expected: String
    }

    public var problems: [Problem]

    public var description: String {
        let lines = problems.map { "  \($0.name)=\($0.value): expected \($0.expected)" }
        return "Invalid configuration:\n" + lines.joined(separator: "\n")
    }
}
