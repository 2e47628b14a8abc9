/// One requested scope: an OpenID Connect scope, or a permission of a resource
/// (short names such as `Mail.Read` mean Microsoft Graph).
struct Scope: Sendable, Equatable {
    static let graph = "https://graph.microsoft.com"
    /// The Work IQ API's resource (`api://workiq.svc.cloud.microsoft/WorkIQAgent.Ask`).
    static let workIQ = "api://workiq.svc.cloud.microsoft"
    /// Scopes that shape the response rather than grant access to a resource.
    static let oidcScopes: Set<String> = ["openid", "profile", "offline_access", "email"]

    /// The scope as the client sent it.
    var raw: String
    /// The resource, e.g. `https://graph.microsoft.com`; nil for an OpenID Connect scope.
    var resource: String?
    /// The permission, e.g. `Mail.Read` or `.default`.
    var name: String

    init(_ raw: String) {
        self.raw = raw
        if Self.oidcScopes.contains(raw.lowercased()) {
            resource = nil
            name = raw.lowercased()
        } else if let slash = raw.lastIndex(of: "/") {
            let prefix = String(raw[..<slash])
            resource = prefix.lowercased() == Self.graph ? Self.graph : prefix
            name = String(raw[raw.index(after: slash)...])
        } else {
            resource = Self.graph
            name = raw
        }
    }

    var isOIDC: Bool { resource == nil }
    var isDefault: Bool { name == ".default" }
    /// The full URI, e.g. `https://graph.microsoft.com/Mail.Read`.
    var uri: String { resource.map { "\($0)/\(name)" } ?? name }
    /// What two scopes are compared by: the full URI, case-insensitively.
    var key: String { uri.lowercased() }
    var resourceKey: String? { resource?.lowercased() }
}

/// A parsed, space-separated `scope` parameter.
struct ScopeSet: Sendable, Equatable {
    var scopes: [Scope]

    init(_ text: String) {
        var seen: Set<String> = []
        scopes = text.split(whereSeparator: \.isWhitespace).map { Scope(String($0)) }
            .filter { seen.insert($0.key).inserted }
    }

    init(scopes: [Scope]) {
        self.scopes = scopes
    }

    /// The scopes that grant access to a resource (everything but `openid profile offline_access email`).
    var resourceScopes: [Scope] { scopes.filter { !$0.isOIDC } }

    func contains(oidc name: String) -> Bool {
        scopes.contains { $0.isOIDC && $0.name == name }
    }

    /// `.default` cannot be combined with explicit permissions of the same resource.
    func validate() throws(EntraError) {
        var byResource: [String: [Scope]] = [:]
        for scope in resourceScopes { byResource[scope.resourceKey ?? "", default: []].append(scope) }
        for (_, scopes) in byResource where scopes.count > 1 && scopes.contains(where: \.isDefault) {
            throw .invalidScope(
                "The scope '\(scopes.map(\.raw).joined(separator: " "))' is not valid. "
                    + "A '.default' scope cannot be combined with other scopes of the same resource.")
        }
    }

    /// The resource scopes of the first resource named: one token covers one resource.
    /// With no resource scope at all, Graph's `User.Read` (what Entra grants by default).
    var firstResourceScopes: [Scope] {
        guard let first = resourceScopes.first else { return [Scope("User.Read")] }
        return resourceScopes.filter { $0.resourceKey == first.resourceKey }
    }

    /// Whether every resource scope in `requested` was granted here. A granted `.default` covers any
    /// permission of its resource; a requested `.default` is covered by any grant for its resource.
    func covers(_ requested: ScopeSet) -> Bool {
        let granted = resourceScopes
        return requested.resourceScopes.allSatisfy { scope in
            granted.contains { granted in
                granted.key == scope.key
                    || (granted.resourceKey == scope.resourceKey && (granted.isDefault || scope.isDefault))
            }
        }
    }

    /// The space-joined full URIs, as in a token response's `scope`.
    static func responseText(_ scopes: [Scope]) -> String {
        scopes.map(\.uri).joined(separator: " ")
    }
}
