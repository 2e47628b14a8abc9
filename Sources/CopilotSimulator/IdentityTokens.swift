import Foundation

/// The tokens one successful grant hands out, before rendering.
struct TokenGrant: Sendable {
    var accessToken: String
    var refreshToken: String?
    var idToken: String?
    /// The granted scopes, full URIs, space-separated.
    var scope: String
    var expiresIn: Int

    /// The 200 body of the token endpoint.
    var json: SimulatorJSON {
        var members: [(String, SimulatorJSON)] = [
            ("token_type", "Bearer"),
            ("scope", .string(scope)),
            ("expires_in", .number(Double(expiresIn))),
            ("ext_expires_in", .number(Double(expiresIn))),
            ("access_token", .string(accessToken)),
        ]
        if let refreshToken { members.append(("refresh_token", .string(refreshToken))) }
        if let idToken { members.append(("id_token", .string(idToken))) }
        return .object(members)
    }
}

/// Random secrets and codes.
enum IdentityRandom {
    /// Characters of a user code: A-Z and 2-9 without the look-alikes I, L, O, 0 and 1.
    static let userCodeAlphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    /// `bytes` random bytes, base64url without padding.
    static func base64URL(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return IDToken.base64URL(Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    /// An 8-character user code.
    static func userCode() -> String {
        String((0..<8).map { _ in userCodeAlphabet.randomElement() ?? "A" })
    }
}

/// The unsigned OpenID Connect id token the simulator returns when `openid` was requested.
enum IDToken {
    /// `tid` when the tenant path segment is not a GUID (`organizations`, `common`, a domain).
    static let fallbackTenantID = "00000000-0000-0000-0000-0000000c0f1e"
    /// The simulated user's stable object id.
    static let objectID = "6b3c2f0e-5d1a-4c8e-9f7b-2a4d6e8c0f1e"
    static let userName = "Simulated User"
    static let preferredUsername = "simulated.user@contoso.onmicrosoft.com"

    /// The tenant id for a tenant path segment: the segment itself when it is a GUID.
    static func tenantID(for tenant: String) -> String {
        UUID(uuidString: tenant) != nil ? tenant.lowercased() : fallbackTenantID
    }

    /// The display name and object id of `user` (a UPN): the simulated user's own for the default
    /// user, else the UPN's local part and an id derived from the UPN, the same every time.
    static func identity(of user: String) -> (name: String, objectID: String) {
        guard user != preferredUsername else { return (userName, objectID) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in user.lowercased().utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        let digits = String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        let name = user.split(separator: "@").first.map(String.init) ?? user
        return (name, "6b3c2f0e-\(digits.prefix(4))-4\(digits.dropFirst(4).prefix(3))-8\(digits.dropFirst(7).prefix(3))-\(digits.suffix(6))0c0f1e")
    }

    /// `base64url(header).base64url(payload).` with header `{"alg":"none","typ":"JWT"}`.
    static func make(clientID: String, user: String = preferredUsername, tenant: String, now: Date, lifetime: Int) -> String {
        let person = identity(of: user)
        let tid = tenantID(for: tenant)
        let issuedAt = Double(Int(now.timeIntervalSince1970))
        let header: SimulatorJSON = .object([("alg", "none"), ("typ", "JWT")])
        let payload: SimulatorJSON = .object([
            ("aud", .string(clientID)),
            ("iss", .string("https://login.microsoftonline.com/\(tid)/v2.0")),
            ("iat", .number(issuedAt)),
            ("nbf", .number(issuedAt)),
            ("exp", .number(issuedAt + Double(lifetime))),
            ("name", .string(person.name)),
            ("oid", .string(person.objectID)),
            ("preferred_username", .string(user)),
            ("sub", "c2ltdWxhdGVkLXVzZXItc3ViamVjdA"),
            ("tid", .string(tid)),
            ("ver", "2.0"),
        ])
        return base64URL(Data(header.compactText.utf8)) + "." + base64URL(Data(payload.compactText.utf8)) + "."
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The whole seconds of the duration.
    var wholeSeconds: Int {
        Int(components.seconds)
    }
}
