import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `/login`: a small page that starts a device-code sign-in and shows the code and link until it is done.
///
/// Only served to the machine itself (loopback, no proxy headers) or with the admin key, since whoever
/// completes the sign-in decides whose Copilot licence the gateway uses.
struct LoginController: Sendable {
    let account: MicrosoftAccount?
    /// Opens the page to other machines (`GATEWAY_ADMIN_KEY`).
    let adminKey: APIKeys?

    func addRoutes(to router: Router<GatewayRequestContext>) {
        router.get("/login", use: show)
        router.post("/login", use: start)
    }

    @Sendable func show(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try checkLocal(request, context)
        guard let account else {
            return page(refresh: false, body: "<p>This gateway does not use a Microsoft sign-in: it runs in demo mode or with <code>COPILOT_ACCESS_TOKEN</code>.</p>")
        }
        if let signIn = await account.currentSignIn, signIn.isSignedIn {
            let until = signIn.accessTokenExpiresAt.map { " The current access token is valid until \(escape($0.formatted(.iso8601))); the gateway refreshes it by itself." } ?? ""
            return page(refresh: false, body: "<p>Signed in as <strong>\(escape(signIn.account?.displayName ?? "an unnamed account"))</strong>.\(until)</p>")
        }
        switch await account.signInProgress {
        case .waiting(let grant, let expiry):
            return page(refresh: true, body: """
                <p>Open <a href="\(escape(grant.verificationURI))" target="_blank" rel="noopener">\(escape(grant.verificationURI))</a> \
                and enter this code:</p>
                <p class="code">\(escape(grant.userCode))</p>
                <p>\(escape(grant.instructions))</p>
                <p>The code is valid until \(escape(expiry.formatted(.iso8601))). This page refreshes itself until you are signed in.</p>
                """)
        case .failed(let reason):
            return page(refresh: false, body: "<p>The last sign-in did not finish: \(escape(reason))</p>\(startButton)")
        case .none:
            let reason = await account.currentSignIn?.signedOutReason.map { "<p>\(escape($0))</p>" } ?? ""
            return page(refresh: false, body: "<p>The gateway is not signed in to Microsoft 365.</p>\(reason)\(startButton)")
        }
    }

    @Sendable func start(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try checkLocal(request, context)
        if let account { _ = await account.beginSignIn() }
        return Response(status: .seeOther, headers: [.location: "/login"])
    }

    private func checkLocal(_ request: Request, _ context: GatewayRequestContext) throws(OpenAIError) {
        if let adminKey, let presented = APIKeys.presented(in: request), adminKey.caller(presenting: presented) != nil { return }
        guard context.isLocal(request) else {
            throw OpenAIError(
                status: .forbidden,
                message: "The sign-in page is only served to the gateway's own machine, or with the admin key (GATEWAY_ADMIN_KEY) as `Authorization: Bearer <key>`: open it there (for example through an SSH tunnel: ssh -L 9000:127.0.0.1:9000 server), or run `copilot-gateway login` on the server.",
                type: "permission_error", code: "login_not_local")
        }
    }

    private var startButton: String {
        #"<form method="post" action="/login"><button type="submit">Sign in with a device code</button></form>"#
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
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
