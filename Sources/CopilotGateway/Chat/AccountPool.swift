import Foundation
import Logging

/// Which account serves a turn, and which may not for a while.
///
/// A key's pool (or, for a key bound to none, every account) is tried in its order. `preference` takes
/// the first usable account with a free place among its turns (the first usable one when none has);
/// `spread`, the usable one with the fewest turns running. An account is
/// usable while it is signed in and not resting: a throttled account rests until its `Retry-After`,
/// one that failed otherwise (refused, unreachable, a server error after the retry) for
/// `failureRest`. When no account of the pool is usable, the first one is tried all the same, so a key
/// with one account behaves as it did before there were several.
///
/// Each account has its own `UpstreamGate`: its slowness never takes another account's places.
actor AccountPool {
    struct Rest: Sendable {
        var until: Date
        var reason: String
    }

    /// An account's state, for `/metrics` and `/readyz`.
    struct State: Sendable {
        var account: UpstreamAccount
        var signedIn: Bool
        var rest: Rest?
        var tokenExpiry: Date?
        /// Since when the account's Copilot has not answered, if it has not.
        var unreachableSince: Date?
    }

    let source: any AccountSource
    let policy: AccountPolicy
    let gateLimit: Int
    let maxWait: Duration
    let metrics: GatewayMetrics
    let now: @Sendable () -> Date
    /// How long an account rests after a failure other than throttling.
    let failureRest: TimeInterval = 30
    private var gates: [String: UpstreamGate] = [:]
    private var rests: [String: Rest] = [:]
    private var spreadTurn = 0

    init(
        source: any AccountSource, policy: AccountPolicy = .preference, gateLimit: Int, maxWait: Duration, metrics: GatewayMetrics,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.source = source
        self.policy = policy
        self.gateLimit = gateLimit
        self.maxWait = maxWait
        self.metrics = metrics
        self.now = now
    }

    /// The gate of the account `name`.
    func gate(for name: String) -> UpstreamGate {
        if let gate = gates[name] { return gate }
        let gate = UpstreamGate(limit: gateLimit, maxWait: maxWait)
        gates[name] = gate
        return gate
    }

    /// Turns waiting for a place, on every account.
    var waiting: Int {
        get async {
            var total = 0
            for gate in gates.values { total += await gate.waiting }
            return total
        }
    }

    /// The accounts `allowed` names, in its order (nil: every account).
    func candidates(_ allowed: [String]?) async -> [UpstreamAccount] {
        let all = await source.accounts()
        guard let allowed else { return all }
        return allowed.compactMap { name in all.first { $0.name == name } }
    }

    /// Whether `account` can serve now: signed in and not resting.
    func isUsable(_ account: UpstreamAccount) async -> Bool {
        if let rest = rests[account.name] {
            if rest.until > now() { return false }
            rests[account.name] = nil
        }
        return await account.tokens.isSignedIn
    }

    /// The account that serves a new conversation: a usable one of `allowed` other than `excluding`,
    /// chosen by the policy; nil when there is none.
    func usable(_ allowed: [String]?, excluding: Set<String> = []) async -> UpstreamAccount? {
        var usable: [UpstreamAccount] = []
        for account in await candidates(allowed) where !excluding.contains(account.name) {
            if await isUsable(account) { usable.append(account) }
        }
        guard usable.count > 1 else { return usable.first }
        var loads: [Int] = []
        for account in usable { loads.append(await gate(for: account.name).inUse) }
        // Preference: the first account with a free place; when every place is taken, the first queues.
        guard policy == .spread else { return usable.indices.first { loads[$0] < gateLimit }.map { usable[$0] } ?? usable[0] }
        let least = loads.min() ?? 0
        let tied = usable.indices.filter { loads[$0] == least }
        spreadTurn &+= 1
        return usable[tied[spreadTurn % tied.count]]
    }

    /// A usable account as `usable` chooses it, else the first of `allowed` not excluded (which then
    /// answers with its own error, as a lone account does); nil when the pool has no such account.
    func choose(_ allowed: [String]?, excluding: Set<String> = []) async -> UpstreamAccount? {
        if let account = await usable(allowed, excluding: excluding) { return account }
        return await candidates(allowed).first { !excluding.contains($0.name) }
    }

    /// The account named `name`, when `allowed` lets the turn use it.
    func account(named name: String, allowed: [String]?) async -> UpstreamAccount? {
        guard allowed?.contains(name) ?? true else { return nil }
        return await source.accounts().first { $0.name == name }
    }

    /// Why `error` moves a turn to another account (a metrics label), or nil when another account
    /// would fail the same way (the request itself is at fault).
    static func failoverReason(_ error: any Error) -> String? {
        switch error as? UpstreamError {
        case .notSignedIn?: "signed_out"
        case .signInUnavailable?: "sign_in_unavailable"
        case .status(401, _, _, _, _)?, .status(403, _, _, _, _)?: "refused"
        case .status(429, _, _, _, _)?: "throttled"
        case .status(let status, _, _, _, _)? where status >= 500: "server_error"
        case .transport?, .timeout?, .streamInterrupted?: "unreachable"
        default: nil
        }
    }

    /// `account` failed a turn for `reason`: a throttled account rests for its `Retry-After` (or 30 s),
    /// a signed-out one needs no rest (it is passed over until signed in), any other for `failureRest`.
    func failed(_ account: String, reason: String, error: any Error) {
        var seconds = failureRest
        switch (reason, error as? UpstreamError) {
        case ("signed_out", _): return
        case ("throttled", .status(_, _, _, let retryAfter, _)?):
            seconds = TimeInterval(retryAfter ?? Int(failureRest))
            metrics.throttled(account: account, seconds: seconds)
        default: break
        }
        rests[account] = Rest(until: now().addingTimeInterval(seconds), reason: reason)
    }

    /// Every account's state.
    func states() async -> [State] {
        var states: [State] = []
        for account in await source.accounts() {
            let rest = rests[account.name].flatMap { $0.until > now() ? $0 : nil }
            states.append(State(
                account: account, signedIn: await account.tokens.isSignedIn, rest: rest, tokenExpiry: await account.tokens.tokenExpiry,
                unreachableSince: await account.health.unreachableSince))
        }
        return states
    }
}
