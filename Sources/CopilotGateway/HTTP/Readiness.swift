import Hummingbird

import Foundation

/// `GET /health`, as the original gateway answered it.
struct Health: ResponseEncodable {
    var ok: Bool
    var time: Int
    /// The gateway's version and the commit it was built from (`BuildInfo.summary`).
    var version = BuildInfo.summary
}

/// `GET /healthz`: the process answers.
struct Liveness: ResponseEncodable {
    var ok = true
}

/// `GET /readyz`: 200 when the gateway can serve chats, that is when every API key reaches at least one
/// usable account (signed in, not resting, and its Copilot answered its latest call), else 503 with
/// the reason. A key's lone account is tried even while it rests (its errors then reach the client, as
/// they did before there were several accounts), so only sign-in and Copilot's answer count for it.
struct Readiness: Sendable {
    let accounts: AccountPool
    /// Each key's pool (nil: every account); one nil when no keys are configured.
    let pools: [[String]?]

    struct Body: ResponseEncodable {
        var ready: Bool
        var reason: String?
    }

    func response() async -> EditedResponse<Body> {
        let reason = await problem()
        return EditedResponse(status: reason == nil ? .ok : .serviceUnavailable, response: Body(ready: reason == nil, reason: reason))
    }

    /// Why some key reaches no usable account, or nil.
    private func problem() async -> String? {
        let states = await accounts.states()
        if states.count == 1, states[0].account.tokens is MissingAccessTokenProvider {
            return "no way to sign in: set CLIENT_ID or COPILOT_ACCESS_TOKEN"
        }
        var seen: Set<[String]> = []
        for pool in pools where seen.insert(pool ?? ["*"]).inserted {
            let members = states.filter { pool?.contains($0.account.name) ?? true }
            let problems = members.map { Self.problem(of: $0, alone: members.count == 1) }
            guard !problems.contains(where: { $0 == nil }) else { continue }
            if members.count == 1, let only = problems[0] { return only }
            let what = zip(members, problems).map { "\($0.account.name): \($1 ?? "")" }
            let whose = pool.map { "a key bound to \($0.joined(separator: ","))" } ?? "the gateway"
            return "\(whose) has no usable Microsoft account" + (what.isEmpty ? "" : " (\(what.joined(separator: "; ")))")
        }
        return nil
    }

    /// Why one account cannot serve now, or nil when it can.
    private static func problem(of state: AccountPool.State, alone: Bool) -> String? {
        if !state.signedIn { return state.account.name == AccountName.default ? "not signed in to Microsoft 365" : "\(state.account.name) is not signed in" }
        if let since = state.unreachableSince { return "Copilot did not answer the latest call (since \(since.formatted(.iso8601)))" }
        if !alone, let rest = state.rest { return "resting (\(rest.reason)) until \(rest.until.formatted(.iso8601))" }
        return nil
    }
}
