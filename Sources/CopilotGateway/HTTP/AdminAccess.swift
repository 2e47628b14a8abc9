import Foundation
import HTTPTypes
import Hummingbird

/// Who may use the gateway's own pages, `/login` and `/metrics`.
///
/// A request's address says nothing about where it came from: a reverse proxy that adds no
/// `X-Forwarded-For`, a TCP forwarder or an SSH tunnel all connect from loopback. So these pages never
/// trust the address; they need a secret:
/// - the admin key (`GATEWAY_ADMIN_KEY`, as `Authorization: Bearer <key>`), for both pages;
/// - for `/login` also the sign-in link the gateway prints in its log at start-up
///   (`/login?token=…`), which a browser exchanges for a cookie that lasts as long as the server runs.
public struct AdminAccess: Sendable {
    let adminKey: APIKeys?
    /// The secret of the sign-in link, as a one-element key set (compared in constant time).
    private let loginSecret: APIKeys
    /// The link's token itself, for the log line that prints it.
    let loginToken: String

    static let cookieName = "copilot_gateway_login"

    public init(adminKey: String?, loginToken: String = AdminAccess.newToken()) {
        self.adminKey = adminKey.map { APIKeys([$0]) }
        self.loginToken = loginToken
        self.loginSecret = APIKeys([loginToken])
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

    /// Whether the request carries the sign-in link's token in `?token=`.
    func presentsLoginLink(_ request: Request) -> Bool {
        guard let token = request.uri.queryParameters.get("token") else { return false }
        return loginSecret.caller(presenting: token) != nil
    }

    /// Whether the request carries the cookie the sign-in link set.
    func presentsLoginCookie(_ request: Request) -> Bool {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == Self.cookieName else { continue }
                if loginSecret.caller(presenting: parts[1].trimmingCharacters(in: .whitespaces)) != nil { return true }
            }
        }
        return false
    }

    /// The `Set-Cookie` value that lets the browser that opened the link back in: only to `/login`,
    /// never to scripts or to other sites' requests.
    var loginCookie: String {
        "\(Self.cookieName)=\(loginToken); Path=/login; HttpOnly; SameSite=Strict"
    }

    /// The link to print in the log, for a server listening on `host`:`port`.
    func loginLink(host: String, port: Int) -> String {
        let reachable = ["0.0.0.0", "::", ""].contains(host) ? "127.0.0.1" : host
        let authority = reachable.contains(":") ? "[\(reachable)]" : reachable
        return "http://\(authority):\(port)/login?token=\(loginToken)"
    }
}
