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

/// `GET /readyz`: 200 when the gateway can serve chats (every API key can reach at least one usable
/// account: signed in and not resting, and Copilot answered the latest call), else 503 with the reason.
struct Readiness: Sendable {
    let accounts: AccountPool
    /// Each key's pool (nil: every account); one nil when no keys are configured.
    let pools: [[String]?]
    let upstream: UpstreamHealth

    struct Body: ResponseEncodable {
        var ready: Bool
        var reason: String?
    }

    func response() async -> EditedResponse<Body> {
        var reason: String?
        if let since = await upstream.unreachableSince {
            reason = "Copilot did not answer the latest call (since \(since.formatted(.iso8601)))"
        }
        if reason == nil { reason = await accountProblem() }
        return EditedResponse(status: reason == nil ? .ok : .serviceUnavailable, response: Body(ready: reason == nil, reason: reason))
    }

    /// Why some key reaches no usable account, or nil.
    private func accountProblem() async -> String? {
        let states = await accounts.states()
        if states.count == 1, states[0].account.tokens is MissingAccessTokenProvider {
            return "no way to sign in: set CLIENT_ID or COPILOT_ACCESS_TOKEN"
        }
        if states.count == 1, states[0].account.name == AccountName.default, !states[0].signedIn {
            return "not signed in to Microsoft 365"
        }
        var seen: Set<[String]> = []
        for pool in pools where seen.insert(pool ?? ["*"]).inserted {
            let members = states.filter { pool?.contains($0.account.name) ?? true }
            guard !members.contains(where: { $0.signedIn && $0.rest == nil }) else { continue }
            let what = members.map { state in
                "\(state.account.name) " + (state.signedIn
                    ? "resting (\(state.rest?.reason ?? "failed")) until \(state.rest?.until.formatted(.iso8601) ?? "-")" : "not signed in")
            }
            let whose = pool.map { "a key bound to \($0.joined(separator: ","))" } ?? "the gateway"
            return "\(whose) has no usable Microsoft account" + (what.isEmpty ? "" : " (\(what.joined(separator: "; ")))")
        }
        return nil
    }
}
