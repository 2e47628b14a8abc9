import ArgumentParser
import CopilotGateway
import Foundation

/// `copilot-gateway status`: each account, who is signed in and whether its sign-in still works. Prints no secret.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each account: its upstream, who is signed in, its token's expiry, and whether a refresh works.",
        discussion: """
            One line per account (--account for one). Exit codes, for the worst account: 0 signed in and a refresh works; \
            1 not signed in; 2 signed in but the refresh failed; 78 configuration error.
            """
    )

    @OptionGroup var options: SignInOptions

    @Option(help: "Only this account.")
    var account: String?

    @Flag(help: "Do not try a refresh (no request to Microsoft).")
    var noRefresh = false

    @Flag(help: "One JSON object per account, in an array, for scripts.")
    var json = false

    /// One account's state, as printed.
    struct Line: Encodable {
        var account: String
        var upstream: String
        var user: String?
        var tenant: String?
        var signedIn: Bool
        var tokenExpires: Date?
        /// "works", "fails", "impossible" (no refresh token) or "not tried".
        var refresh: String
        var problem: String?
        var exitCode: Int32

        enum CodingKeys: String, CodingKey {
            case account, upstream, user, tenant, signedIn = "signed_in", tokenExpires = "token_expires", refresh, problem
        }
    }

    func run() async throws {
        let (configuration, _) = try options.settings.load()
        var profiles = configuration.accountProfiles()
        if let account {
            guard let profile = profiles.first(where: { $0.name == account }) else {
                printError("There is no account \(account). Sign it in with `copilot-gateway login --account \(account)`.")
                throw ExitCode(1)
            }
            profiles = [profile]
        }
        guard !profiles.isEmpty else {
            printError("No account: set CLIENT_ID (the application id of your Entra app registration) and TENANT_ID in .env or the environment, then run `copilot-gateway login`; see the README.")
            throw ExitCode(78)
        }
        var lines: [Line] = []
        for profile in profiles {
            lines.append(try await options.withAccount(profile, configuration) { await line(for: $0, profile: profile) })
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(lines), as: UTF8.self))
        } else {
            for line in lines { print(Self.text(line)) }
        }
        let worst = lines.map(\.exitCode).max() ?? 0
        if worst != 0 { throw ExitCode(worst) }
    }

    private func line(for account: MicrosoftAccount, profile: AccountProfile) async -> Line {
        var line = Line(account: profile.name, upstream: profile.upstream.rawValue, signedIn: false, refresh: "not tried", exitCode: 1)
        if let problem = await account.cacheError {
            line.problem = problem.description
            return line
        }
        guard let signIn = await account.currentSignIn else {
            line.problem = "Not signed in. Run `copilot-gateway login\(profile.name == AccountName.default ? "" : " --account \(profile.name)")`."
            return line
        }
        line.user = signIn.account?.displayName
        line.tenant = signIn.account?.tenantID ?? signIn.tenant
        line.tokenExpires = signIn.accessTokenExpiresAt
        line.signedIn = signIn.isSignedIn
        if let reason = signIn.signedOutReason {
            line.problem = "Signed out: \(reason)"
            return line
        }
        guard signIn.refreshToken != nil else {
            line.refresh = "impossible"
            line.problem = "No refresh token: sign in again when the access token expires."
            line.exitCode = signIn.isSignedIn ? 2 : 1
            return line
        }
        line.exitCode = 0
        guard !noRefresh else { return line }
        do {
            let refreshed = try await account.refreshNow()
            line.refresh = "works"
            line.tokenExpires = refreshed.accessTokenExpiresAt
        } catch let error as IdentityError {
            line.refresh = "fails"
            line.problem = error.message
            line.exitCode = 2
        } catch {
            line.refresh = "fails"
            line.problem = "\(error)"
            line.exitCode = 2
        }
        return line
    }

    /// `alice  graph  Alice <alice@contoso.com>  token valid until … (in 59 min)  refresh works`.
    static func text(_ line: Line) -> String {
        var parts = [line.account, line.upstream, line.user ?? (line.signedIn ? "an unnamed account" : "not signed in")]
        if let expiry = line.tokenExpires { parts.append((expiry > Date() ? "token valid until " : "token expired ") + expiry.described) }
        parts.append("refresh \(line.refresh)")
        var text = parts.joined(separator: "  ")
        if let problem = line.problem { text += "\n    \(problem)" }
        return text
    }
}
