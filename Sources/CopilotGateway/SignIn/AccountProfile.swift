import Foundation

/// What the gateway knows of an account before it signs in: its name, the sign-in's tenant, app
/// registration and scopes, its upstream, and where its token cache is.
///
/// The account `default` is the settings' (`TENANT_ID`, `CLIENT_ID`, `COPILOT_SCOPES`, `TOKEN_CACHE`);
/// every other account is a token cache in the accounts folder, `STATE_DIR/accounts/NAME.json`, which
/// `copilot-gateway login --account NAME` writes and which holds its settings.
public struct AccountProfile: Sendable, Equatable {
    public var name: String
    public var tenant: String
    public var clientID: String
    public var scopes: [String]
    public var upstream: CopilotAPI
    public var cachePath: String

    public init(name: String, tenant: String, clientID: String, scopes: [String], upstream: CopilotAPI, cachePath: String) {
        self.name = name
        self.tenant = tenant
        self.clientID = clientID
        self.scopes = scopes
        self.upstream = upstream
        self.cachePath = cachePath
    }

    /// The cache of the account `name` in `folder`.
    public static func cachePath(of name: String, in folder: String) -> String {
        folder + "/" + name + ".json"
    }

    /// The named accounts whose caches are in `folder`, by name. A cache that cannot be read still names
    /// an account, with `fallback`'s sign-in settings (its problem shows when it is used).
    public static func named(in folder: String, fallback: AccountProfile) -> [AccountProfile] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.compactMap { file -> AccountProfile? in
            guard file.hasSuffix(".json") else { return nil }
            let name = String(file.dropLast(".json".count))
            guard AccountName.isValid(name), name != AccountName.default else { return nil }
            let path = cachePath(of: name, in: folder)
            var profile = fallback
            profile.name = name
            profile.cachePath = path
            if let cached = try? TokenCacheFile(path: path).load() {
                profile.tenant = cached.tenant
                profile.clientID = cached.clientID
                profile.scopes = cached.scopes
                profile.upstream = cached.upstream ?? .graph
            }
            return profile
        }.sorted { $0.name < $1.name }
    }
}

/// The accounts a server can sign in from its `/login` page.
public protocol SignInDirectory: Sendable {
    /// The account `name`, made for a new sign-in when `creating` and it does not exist yet.
    func signInAccount(named name: String, creating: Bool) async -> MicrosoftAccount?
    /// The accounts there are, `default` first.
    func signInAccountNames() async -> [String]
}
