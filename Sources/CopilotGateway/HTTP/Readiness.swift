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

/// `GET /readyz`: 200 when the gateway can serve chats (signed in, and Graph answered its latest call),
/// else 503 with the reason.
struct Readiness: Sendable {
    let account: MicrosoftAccount?
    let tokens: any AccessTokenProvider
    let upstream: UpstreamHealth

    struct Body: ResponseEncodable {
        var ready: Bool
        var reason: String?
    }

    func response() async -> EditedResponse<Body> {
        var reason: String?
        if let account {
            if await account.currentSignIn?.isSignedIn != true { reason = "not signed in to Microsoft 365" }
        } else if tokens is MissingAccessTokenProvider {
            reason = "no way to sign in: set CLIENT_ID or COPILOT_ACCESS_TOKEN"
        }
        if reason == nil, let since = await upstream.unreachableSince {
            reason = "Microsoft Graph did not answer the latest call (since \(since.formatted(.iso8601)))"
        }
        return EditedResponse(status: reason == nil ? .ok : .serviceUnavailable, response: Body(ready: reason == nil, reason: reason))
    }
}
