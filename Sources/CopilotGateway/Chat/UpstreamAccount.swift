import Foundation

/// One Microsoft account as the core sees it: its name, where its turns go and how it gets tokens.
public struct UpstreamAccount: Sendable {
    public let name: String
    public let api: CopilotAPI
    let upstream: any CopilotUpstream
    let tokens: any AccessTokenProvider
    /// Whether this account's Copilot answered lately.
    let health: UpstreamHealth

    init(
        name: String, api: CopilotAPI = .graph, upstream: any CopilotUpstream, tokens: any AccessTokenProvider,
        health: UpstreamHealth = UpstreamHealth()
    ) {
        self.name = name
        self.api = api
        self.upstream = upstream
        self.tokens = tokens
        self.health = health
    }
}

/// Where the accounts come from: those signed in on disk (`LiveAccounts`, which also sees an account
/// `login` adds while the server runs), or a fixed list (one account with a fixed token, tests).
protocol AccountSource: Sendable {
    /// Every account, `default` first, then by name.
    func accounts() async -> [UpstreamAccount]
}

/// A fixed list of accounts.
struct FixedAccounts: AccountSource {
    let list: [UpstreamAccount]

    init(_ list: [UpstreamAccount]) {
        self.list = list
    }

    func accounts() async -> [UpstreamAccount] { list }
}
