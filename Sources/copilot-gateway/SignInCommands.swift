import ArgumentParser
import AsyncHTTPClient
import CopilotGateway
import Foundation
import Logging

/// What the sign-in commands share: the configuration, an HTTP client and the account.
struct SignInOptions: ParsableArguments {
    @OptionGroup var settings: SettingsOptions

    /// Runs `body` with the configured account; the HTTP client is shut down afterwards.
    func withAccount<T>(_ body: (MicrosoftAccount, GatewayConfiguration) async throws -> T) async throws -> T {
        let (configuration, _) = try settings.load()
        guard !configuration.clientID.isEmpty else {
            printError("Set CLIENT_ID (the application id of your Entra app registration) and TENANT_ID (your tenant id, or `organizations`) in .env or the environment first; see the README.")
            throw ExitCode(78)
        }
        var logger = Logger(label: "copilot-gateway")
        logger.logLevel = .warning
        let httpClient = HTTPClient.gateway(configuration)
        let account = MicrosoftAccount(configuration: configuration, httpClient: httpClient, logger: logger, signsInWhenNeeded: false)
        do {
            let result = try await body(account, configuration)
            try await httpClient.shutdown()
            return result
        } catch {
            try await httpClient.shutdown()
            throw error
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension Date {
    /// "2026-11-24 19:30:00 UTC (in 59 min)".
    var described: String {
        let minutes = Int(timeIntervalSinceNow / 60)
        let when = minutes >= 0 ? "in \(minutes) min" : "\(-minutes) min ago"
        return "\(formatted(.iso8601)) (\(when))"
    }
}

/// `copilot-gateway login`: device-code sign-in from a terminal.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in to Microsoft 365 with a device code and save the tokens for the gateway.",
        discussion: """
            Exit codes: 0 signed in; 2 declined in the browser; 3 the code expired or was not recognised; \
            4 Microsoft refused the request (check TENANT_ID, CLIENT_ID, COPILOT_SCOPES and the app registration); \
            69 Microsoft's sign-in service could not be reached; 73 the token cache could not be written; 78 configuration error.
            """
    )

    @OptionGroup var options: SignInOptions

    func run() async throws {
        try await options.withAccount { account, configuration in
            if let problem = await account.cacheError { printError("Note: \(problem.description)") }
            // Checked before the sign-in, so nobody completes a device-code sign-in whose tokens cannot be kept.
            do {
                try TokenCacheFile(path: configuration.tokenCachePath).checkWritable()
            } catch let error as TokenCacheError {
                printError(error.description)
                throw ExitCode(73)
            }
            print("Signing in to tenant \(configuration.signInTenant) with application \(configuration.clientID)…")
            do {
                let signIn = try await account.signIn { grant in
                    print("\n\(grant.instructions)\n")
                    print("Waiting for the code to be entered (it is valid for \(grant.expiresIn / 60) minutes)…")
                }
                print("Signed in as \(signIn.account?.displayName ?? "an unnamed account")\(signIn.account?.tenantID.map { " (tenant \($0))" } ?? "").")
                if let expiry = signIn.accessTokenExpiresAt {
                    print("The access token is valid until \(expiry.described); the gateway refreshes it by itself.")
                }
                if signIn.refreshToken == nil {
                    print("Warning: Microsoft returned no refresh token (is offline_access in COPILOT_SCOPES?); you will have to sign in again when the token expires.")
                }
                print("Tokens saved in \(configuration.tokenCachePath) (mode 0600).")
            } catch let error as IdentityError {
                printError(error.message)
                throw ExitCode(Self.exitCode(for: error))
            } catch let error as TokenCacheError {
                printError(error.description)
                throw ExitCode(73)
            }
        }
    }

    static func exitCode(for error: IdentityError) -> Int32 {
        switch error {
        case .declined: 2
        case .expired, .badVerificationCode: 3
        case .rejected, .invalidGrant, .malformed: 4
        case .unavailable: 69
        case .authorizationPending, .slowDown: 1
        }
    }
}

/// `copilot-gateway logout`: forget the signed-in account.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Forget the signed-in account: remove the token cache.")

    @OptionGroup var settings: SettingsOptions

    func run() async throws {
        let (configuration, _) = try settings.load()
        let cache = TokenCacheFile(path: configuration.tokenCachePath)
        do {
            if try cache.remove() {
                print("Signed out: removed \(cache.path). A running gateway stops using the account when its access token expires; restart it to stop at once.")
            } else {
                print("No account was signed in (\(cache.path) does not exist).")
            }
        } catch {
            printError(error.description)
            throw ExitCode(73)
        }
    }
}

/// `copilot-gateway status`: who is signed in and whether the sign-in still works. Prints no secret.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the signed-in account, its token's expiry and scopes, and whether a refresh works.",
        discussion: "Exit codes: 0 signed in and a refresh works; 1 not signed in; 2 signed in but the refresh failed; 78 configuration error."
    )

    @OptionGroup var options: SignInOptions

    @Flag(help: "Do not try a refresh (no request to Microsoft).")
    var noRefresh = false

    func run() async throws {
        try await options.withAccount { account, configuration in
            print("Token cache: \(configuration.tokenCachePath)")
            if let problem = await account.cacheError {
                print(problem.description)
                throw ExitCode(1)
            }
            guard let signIn = await account.currentSignIn else {
                print("Not signed in. Run `copilot-gateway login`.")
                throw ExitCode(1)
            }
            print("Account: \(signIn.account?.displayName ?? "unknown")")
            print("Tenant: \(signIn.account?.tenantID ?? signIn.tenant)   Application: \(signIn.clientID)")
            if let reason = signIn.signedOutReason {
                print("Signed out: \(reason)")
                throw ExitCode(1)
            }
            print("Access token: " + (signIn.accessTokenExpiresAt.map { ($0 > Date() ? "valid until " : "expired ") + $0.described } ?? "none"))
            print("Scopes: \(signIn.grantedScopes ?? signIn.scopes.joined(separator: " "))")
            guard signIn.refreshToken != nil else {
                print("Refresh: not possible (no refresh token); sign in again when the access token expires.")
                throw ExitCode(signIn.isSignedIn ? 2 : 1)
            }
            if noRefresh {
                print("Refresh: not tried (--no-refresh).")
                return
            }
            do {
                let refreshed = try await account.refreshNow()
                print("Refresh: works (new access token valid until \(refreshed.accessTokenExpiresAt?.described ?? "-")).")
            } catch let error as IdentityError {
                print("Refresh: fails. \(error.message)")
                throw ExitCode(2)
            }
        }
    }
}
