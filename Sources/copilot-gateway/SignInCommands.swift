import ArgumentParser
import AsyncHTTPClient
import CopilotGateway
import Foundation
import Logging

/// What the sign-in commands share: the configuration, an HTTP client and an account.
struct SignInOptions: ParsableArguments {
    @OptionGroup var settings: SettingsOptions

    /// Runs `body` with the account of `profile`; the HTTP client is shut down afterwards.
    func withAccount<T>(
        _ profile: AccountProfile, _ configuration: GatewayConfiguration, _ body: (MicrosoftAccount) async throws -> T
    ) async throws -> T {
        guard !profile.clientID.isEmpty else {
            printError("Set CLIENT_ID (the application id of your Entra app registration) and TENANT_ID (your tenant id, or `organizations`) in .env or the environment first; see the README.")
            throw ExitCode(78)
        }
        var logger = Logger(label: "copilot-gateway")
        logger.logLevel = .warning
        let httpClient = HTTPClient.gateway(configuration)
        let account = MicrosoftAccount(profile: profile, configuration: configuration, httpClient: httpClient, logger: logger, signsInWhenNeeded: false)
        do {
            let result = try await body(account)
            try await httpClient.shutdown()
            return result
        } catch {
            try await httpClient.shutdown()
            throw error
        }
    }
}

/// `--account NAME`, checked.
struct AccountOption: ParsableArguments {
    @Option(help: "The account: `default` (the settings' TENANT_ID, CLIENT_ID and TOKEN_CACHE) or a name of 1 to 32 lowercase letters, digits or '-'.")
    var account: String = AccountName.default

    func validate() throws {
        guard AccountName.isValid(account) else { throw ValidationError("--account must be 1 to 32 lowercase letters, digits or '-'") }
    }
}

extension CopilotAPI: ExpressibleByArgument {}

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
            Without --account this signs in the account `default` (TOKEN_CACHE). With --account NAME it signs in, \
            or makes, the account NAME (its tokens in STATE_DIR/accounts/NAME.json); a running gateway that signs in \
            to Microsoft (not one in demo mode or with COPILOT_ACCESS_TOKEN) uses it within seconds. --upstream workiq makes the account use the Work IQ REST API (billed per use in Copilot Credits). \
            Exit codes: 0 signed in; 2 declined in the browser; 3 the code expired or was not recognised; \
            4 Microsoft refused the request (check TENANT_ID, CLIENT_ID, COPILOT_SCOPES and the app registration); \
            69 Microsoft's sign-in service could not be reached; 73 the token cache could not be written; 78 configuration error.
            """
    )

    @OptionGroup var options: SignInOptions
    @OptionGroup var account: AccountOption

    @Option(help: "Where the account's turns go: graph (Microsoft Graph, the default) or workiq (Work IQ REST).")
    var upstream: CopilotAPI?

    @Option(help: "The account's tenant (default: TENANT_ID, else organizations).")
    var tenant: String?

    @Option(name: .customLong("client-id"), help: "The account's app registration (default: CLIENT_ID).")
    var clientID: String?

    func run() async throws {
        let (configuration, _) = try options.settings.load()
        var profile = configuration.profileForSignIn(account.account, upstream: upstream)
        if let tenant { profile.tenant = tenant }
        if let clientID { profile.clientID = clientID }
        try await options.withAccount(profile, configuration) { account in
            if let problem = await account.cacheError { printError("Note: \(problem.description)") }
            // Checked before the sign-in, so nobody completes a device-code sign-in whose tokens cannot be kept.
            do {
                try TokenCacheFile(path: profile.cachePath).checkWritable()
            } catch let error as TokenCacheError {
                printError(error.description)
                throw ExitCode(73)
            }
            let named = profile.name == AccountName.default ? "" : "the account \(profile.name) "
            print("Signing in \(named)to tenant \(profile.tenant) with application \(profile.clientID) for \(profile.upstream.displayName)…")
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
                if profile.upstream == .workIQ {
                    print("This account uses Work IQ: each turn is billed in Copilot Credits to the tenant's pay-as-you-go plan.")
                }
                print("Tokens saved in \(profile.cachePath) (mode 0600).")
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

/// `copilot-gateway logout`: forget an account's sign-in.
struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget an account's sign-in: remove its tokens.",
        discussion: """
            The account `default` loses its token cache. A named account keeps its settings (so the keys bound \
            to it stay valid) and loses its tokens; --forget removes it altogether.
            """)

    @OptionGroup var settings: SettingsOptions
    @OptionGroup var account: AccountOption

    @Flag(help: "Remove a named account altogether (keys bound to it then stop the gateway from starting).")
    var forget = false

    func run() async throws {
        let (configuration, _) = try settings.load()
        let profile = configuration.profileForSignIn(account.account, upstream: nil)
        let cache = TokenCacheFile(path: profile.cachePath)
        do {
            if profile.name != AccountName.default, !forget, var cached = try? cache.load() {
                cached.accessToken = nil
                cached.accessTokenExpiresAt = nil
                cached.refreshToken = nil
                cached.signedOutReason = "Signed out with `copilot-gateway logout`."
                cached.updatedAt = Date()
                try cache.save(cached)
                print("Signed out the account \(profile.name): its tokens are gone from \(cache.path). A running gateway stops using it when its access token expires (within the hour); restart it to stop at once.")
            } else if try cache.remove() {
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
