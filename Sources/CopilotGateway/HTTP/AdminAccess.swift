import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Who may use the gateway's own pages, `/login` and `/metrics`.
///
/// A request's address says nothing about where it came from: a reverse proxy that adds no
/// `X-Forwarded-For`, a TCP forwarder or an SSH tunnel all connect from loopback. So these pages never
/// trust the address; they need a secret:
/// - the admin key (`GATEWAY_ADMIN_KEY`, as `Authorization: Bearer <key>`), for both pages;
/// - for `/login` also the one-time sign-in link the gateway prints in its log (`/login?token=…`).
///   Opening it gives that browser a session cookie (12 hours) and makes the link useless, so a copy
///   of it in a proxy's access log or the browser's history opens nothing; the next link goes to the log.
public final class AdminAccess: Sendable {
    let adminKey: APIKeys?

    private struct State {
        /// The digest of the link's token (compared in constant time).
        var link: APIKeys
        var linkToken: String
        /// Open sessions by the SHA-256 of their cookie, with when each ends.
        var sessions: [String: ContinuousClock.Instant] = [:]
        /// Where the server listens, once it does.
        var listening: (host: String, port: Int)?
    }

    private let state: Mutex<State>
    static let cookieName = "copilot_gateway_login"
    static let sessionLength: Duration = .seconds(12 * 3600)
    static let maximumSessions = 16

    public init(adminKey: String?, loginToken: String = AdminAccess.newToken()) {
        self.adminKey = adminKey.map { APIKeys([$0]) }
        self.state = Mutex(State(link: APIKeys([loginToken]), linkToken: loginToken))
    }

    /// 32 random bytes as hex, from the system's secure generator.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }.lowercaseHex
    }

    /// Whether the request presents the admin key.
    func presentsAdminKey(_ request: Request) -> Bool {
        guard let adminKey, let presented = APIKeys.presented(in: request) else { return false }
        return adminKey.caller(presenting: presented) != nil
    }

    /// When the request carries the current link's token in `?token=`: a new session's cookie value,
    /// and the link is replaced by a new one. Nil otherwise.
    func redeemLink(_ request: Request) -> String? {
        guard let token = request.uri.queryParameters.get("token") else { return nil }
        return state.withLock { state -> String? in
            guard state.link.caller(presenting: String(token)) != nil else { return nil }
            let next = Self.newToken()
            state.link = APIKeys([next])
            state.linkToken = next
            return Self.openSession(in: &state)
        }
    }

    /// A new session, for a browser that opened the link (and for tests).
    func openSession() -> String {
        state.withLock { Self.openSession(in: &$0) }
    }

    private static func openSession(in state: inout State, now: ContinuousClock.Instant = .now) -> String {
        state.sessions = state.sessions.filter { $0.value > now }
        if state.sessions.count >= maximumSessions, let oldest = state.sessions.min(by: { $0.value < $1.value })?.key {
            state.sessions[oldest] = nil
        }
        let cookie = newToken()
        state.sessions[digest(cookie)] = now + sessionLength
        return cookie
    }

    /// Whether the request carries the cookie of an open session.
    func presentsLoginCookie(_ request: Request, now: ContinuousClock.Instant = .now) -> Bool {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == Self.cookieName else { continue }
                let key = Self.digest(parts[1].trimmingCharacters(in: .whitespaces))
                if state.withLock({ $0.sessions[key].map { $0 > now } ?? false }) { return true }
            }
        }
        return false
    }

    private static func digest(_ value: String) -> String {
        SHA256.hash(data: Data(value.utf8)).lowercaseHex
    }

    /// The `Set-Cookie` value of a session: only for `/login`, never to scripts, and not sent with
    /// another site's POST (`SameSite=Lax` still lets a link from elsewhere, a journal viewer say, open the page).
    static func cookie(_ value: String) -> String {
        "\(cookieName)=\(value); Path=/login; Max-Age=\(sessionLength.components.seconds); HttpOnly; SameSite=Lax"
    }

    /// Records where the server listens, for the links.
    func serving(host: String, port: Int) {
        state.withLock { $0.listening = (host, port) }
    }

    /// The current link, once the server listens.
    var loginLink: String? {
        state.withLock { state in
            guard let (host, port) = state.listening else { return nil }
            let reachable = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
            let authority = reachable.contains(":") ? "[\(reachable)]" : reachable
            return "http://\(authority):\(port)/login?token=\(state.linkToken)"
        }
    }
}
