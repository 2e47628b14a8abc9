import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/login`: a small page that starts a device-code sign-in and shows the code and link until it is done,
/// for the account `default` or the one named by `?account=NAME` (a new name makes a new Graph account).
///
/// Whoever completes the sign-in decides whose Copilot licence the gateway uses, so the page needs a
/// secret (see `AdminAccess`): the sign-in link from the log, or the admin key. A signed-in account is
/// replaced only when the request confirms it (`replace=yes`, the page's checkbox).
struct LoginController: Sendable {
    let accounts: (any SignInDirectory)?
    let access: AdminAccess
    /// Logs the next sign-in link once one was used.
    let announceLink: @Sendable () -> Void

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/login", use: show)
        router.post("/login", use: start)
    }

    @Sendable func show(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        if let session = access.redeemLink(request) {
            // The used link opens nothing any more; the cookie lets this browser back in, and the
            // token leaves the address bar at once.
            announceLink()
            return Response(
                status: .seeOther,
                headers: [.location: "/login", .setCookie: AdminAccess.cookie(session), .cacheControl: "no-store", Self.referrerPolicy: "no-referrer"])
        }
        try checkSecret(request)
        let name = try Self.accountName(request.uri.queryParameters.get("account").map { String($0) })
        guard let accounts else {
            return page(refresh: false, body: "<p>This gateway does not use a Microsoft sign-in: it runs in demo mode or with <code>COPILOT_ACCESS_TOKEN</code>.</p>")
        }
        let list = await accountList(accounts, current: name)
        let show: (Bool, String) -> Response = { refresh, body in page(refresh: refresh, body: list + body) }
        guard let account = await accounts.signInAccount(named: name, creating: false) else {
            return show(false, "<p>There is no account <strong>\(escape(name))</strong> yet. Signing in makes it (a Microsoft Graph account, with the settings' TENANT_ID and CLIENT_ID); keys without <code>account=</code> then use it too.</p>\(startButton(name))")
        }
        if let signIn = await account.currentSignIn, signIn.isSignedIn {
            let until = signIn.accessTokenExpiresAt.map { " The current access token is valid until \(escape($0.formatted(.iso8601))); the gateway refreshes it by itself." } ?? ""
            let who = escape(signIn.account?.displayName ?? "an unnamed account")
            return show(false, "<p>Signed in as <strong>\(who)</strong>.\(until)</p>\(replaceForm(who, account: name))")
        }
        switch await account.signInProgress {
        case .waiting(let grant, let expiry):
            return show(true, """
                <p>Open <a href="\(escape(grant.verificationURI))" target="_blank" rel="noopener noreferrer">\(escape(grant.verificationURI))</a> \
                and enter this code:</p>
                <p class="code">\(escape(grant.userCode))</p>
                <p>\(escape(grant.instructions))</p>
                <p>The code is valid until \(escape(expiry.formatted(.iso8601))). This page refreshes itself until you are signed in.</p>
                """)
        case .failed(let reason):
            return show(false, "<p>The last sign-in did not finish: \(escape(reason))</p>\(startButton(name))")
        case .none:
            let reason = await account.currentSignIn?.signedOutReason.map { "<p>\(escape($0))</p>" } ?? ""
            return show(false, "<p>The account <strong>\(escape(name))</strong> is not signed in to Microsoft 365.</p>\(reason)\(startButton(name))")
        }
    }

    /// `default`, or the valid account name asked for.
    static func accountName(_ asked: String?) throws(EdgeError) -> String {
        guard let asked, !asked.isEmpty else { return AccountName.default }
        guard AccountName.isValid(asked) else { throw .invalidAccountName }
        return asked
    }

    /// Links to every account's page, when there is more than one.
    private func accountList(_ accounts: any SignInDirectory, current: String) async -> String {
        let names = await accounts.signInAccountNames()
        guard names.count > 1 || names.first != current else { return "" }
        let links = names.map { name in
            name == current ? "<strong>\(escape(name))</strong>" : #"<a href="/login?account=\#(escape(name))">\#(escape(name))</a>"#
        }
        return "<p>Accounts: \(links.joined(separator: " · "))</p>"
    }

    @Sendable func start(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try checkSecret(request)
        var request = request
        let form = String(buffer: try await request.collectBody(upTo: 4096)).split(separator: "&")
        let confirmsReplacement = form.contains("replace=yes")
        let asked = form.first { $0.hasPrefix("account=") }.map { String($0.dropFirst("account=".count)) }
        let name = try Self.accountName(asked ?? request.uri.queryParameters.get("account").map { String($0) })
        if let account = await accounts?.signInAccount(named: name, creating: true) {
            if let signIn = await account.currentSignIn, signIn.isSignedIn, !confirmsReplacement {
                throw EdgeError.alreadySignedIn(name: signIn.account?.displayName ?? "an unnamed account")
            }
            _ = await account.beginSignIn()
        }
        let location = name == AccountName.default ? "/login" : "/login?account=\(name)"
        return Response(status: .seeOther, headers: [.location: location])
    }

    private func checkSecret(_ request: Request) throws(EdgeError) {
        guard access.presentsAdminKey(request) || access.presentsLoginCookie(request) else { throw .loginSecretRequired }
    }

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    private func replaceForm(_ who: String, account: String) -> String {
        """
        <form method="post" action="/login"><input type="hidden" name="account" value="\(escape(account))">\
        <p><label><input type="checkbox" name="replace" value="yes" required> \
        Sign in with another Microsoft account instead of <strong>\(who)</strong></label></p>\
        <button type="submit">Sign in with a device code</button></form>
        """
    }

    private func startButton(_ account: String) -> String {
        #"<form method="post" action="/login"><input type="hidden" name="account" value="\#(escape(account))"><button type="submit">Sign in with a device code</button></form>"#
    }

    private func page(refresh: Bool, body: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>copilot-gateway sign-in</title>
            \(refresh ? #"<meta http-equiv="refresh" content="5">"# : "")
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
            .code{font:700 2rem ui-monospace,monospace;letter-spacing:.2em}button{font-size:1rem;padding:.5rem 1rem}</style>
            </head><body><h1>copilot-gateway: Microsoft sign-in</h1>
            \(body)
            </body></html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", Self.referrerPolicy: "no-referrer"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
