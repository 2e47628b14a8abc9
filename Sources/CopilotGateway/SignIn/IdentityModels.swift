import Foundation

/// The answer to a device authorization request (`/oauth2/v2.0/devicecode`).
public struct DeviceCodeGrant: Decodable, Sendable, Equatable {
    public var deviceCode: String
    public var userCode: String
    public var verificationURI: String
    public var expiresIn: Int
    public var interval: Int
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case deviceCode = "device_code", userCode = "user_code", verificationURI = "verification_uri"
        case expiresIn = "expires_in", interval, message
    }

    public init(deviceCode: String, userCode: String, verificationURI: String, expiresIn: Int, interval: Int, message: String?) {
        self.deviceCode = deviceCode
        self.userCode = userCode
        self.verificationURI = verificationURI
        self.expiresIn = expiresIn
        self.interval = interval
        self.message = message
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        deviceCode = try container.decode(String.self, forKey: .deviceCode)
        userCode = try container.decode(String.self, forKey: .userCode)
        verificationURI = try container.decode(String.self, forKey: .verificationURI)
        // MSAL's defaults when a field is missing.
        expiresIn = try container.decodeLenientInt(forKey: .expiresIn) ?? 900
        interval = try container.decodeLenientInt(forKey: .interval) ?? 5
        message = try container.decodeIfPresent(String.self, forKey: .message)
    }

    /// What to tell the person who signs in.
    public var instructions: String {
        message ?? "To sign in, open \(verificationURI) and enter the code \(userCode)."
    }
}

/// A successful answer of the token endpoint.
struct TokenResponse: Decodable, Sendable {
    var accessToken: String
    var expiresIn: Int
    var refreshToken: String?
    var idToken: String?
    var scope: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", expiresIn = "expires_in", refreshToken = "refresh_token"
        case idToken = "id_token", scope
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accessToken = try container.decode(String.self, forKey: .accessToken)
        expiresIn = try container.decodeLenientInt(forKey: .expiresIn) ?? 3600
        refreshToken = try container.decodeIfPresent(String.self, forKey: .refreshToken)
        idToken = try container.decodeIfPresent(String.self, forKey: .idToken)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
    }
}

/// An OAuth error body of the Microsoft identity platform.
struct EntraErrorBody: Decodable, Sendable {
    var error: String
    var errorDescription: String?
    var errorCodes: [Int]?

    enum CodingKeys: String, CodingKey {
        case error, errorDescription = "error_description", errorCodes = "error_codes"
    }

    /// The first line of the description (`AADSTS70016: …`), without the trace and correlation ids.
    var summary: String {
        let first = errorDescription?.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return first.isEmpty ? error : first
    }
}

/// Who is signed in, from the id token's claims (shown to people, never trusted for access).
public struct AccountInfo: Codable, Sendable, Equatable {
    public var name: String?
    public var username: String?
    public var tenantID: String?
    public var objectID: String?

    /// Reads the claims of an id token. The token comes straight from the token endpoint over TLS and
    /// is only used to say who signed in, so its signature is not checked.
    init?(idToken: String) {
        let parts = idToken.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let payload = Data(base64URLEncoded: String(parts[1])),
              let claims = try? JSONDecoder().decode(Claims.self, from: payload)
        else { return nil }
        name = claims.name
        username = claims.preferredUsername ?? claims.upn ?? claims.email
        tenantID = claims.tid
        objectID = claims.oid
    }

    public init(name: String?, username: String?, tenantID: String?, objectID: String?) {
        self.name = name
        self.username = username
        self.tenantID = tenantID
        self.objectID = objectID
    }

    /// "Ada Lovelace <ada@contoso.com>".
    public var displayName: String {
        switch (name, username) {
        case let (name?, username?): "\(name) <\(username)>"
        case let (name?, nil): name
        case let (nil, username?): username
        default: "an unnamed account"
        }
    }

    struct Claims: Decodable {
        var name: String?
        var preferredUsername: String?
        var upn: String?
        var email: String?
        var tid: String?
        var oid: String?
        enum CodingKeys: String, CodingKey {
            case name, preferredUsername = "preferred_username", upn, email, tid, oid
        }
    }
}

extension KeyedDecodingContainer {
    /// An integer that some servers send as a string.
    func decodeLenientInt(forKey key: Key) throws -> Int? {
        if let value = try? decodeIfPresent(Int.self, forKey: key) { return value }
        if let text = try? decodeIfPresent(String.self, forKey: key) { return Int(text) }
        return nil
    }
}

extension Data {
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
