import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The Microsoft identity platform's endpoints for a public client: device authorization and tokens.
public struct IdentityClient: Sendable {
    let httpClient: HTTPClient
    let baseURL: String
    public let tenant: String
    public let clientID: String
    let logger: Logger

    public init(httpClient: HTTPClient, baseURL: String, tenant: String, clientID: String, logger: Logger) {
        self.httpClient = httpClient
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.tenant = tenant
        self.clientID = clientID
        self.logger = logger
    }

    private var endpoint: String {
        let tenant = tenant.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? tenant
        return "\(baseURL)/\(tenant)/oauth2/v2.0"
    }

    /// Starts a device-code sign-in for `scopes`.
    public func requestDeviceCode(scopes: [String]) async throws(IdentityError) -> DeviceCodeGrant {
        try await post("devicecode", ["client_id": clientID, "scope": scopes.joined(separator: " ")])
    }

    /// Asks whether the person has entered the code yet; `authorizationPending` until they have.
    func redeemDeviceCode(_ grant: DeviceCodeGrant) async throws(IdentityError) -> TokenResponse {
        try await post("token", [
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": clientID, "device_code": grant.deviceCode,
        ])
    }

    /// Redeems a refresh token for a new access token (and a new refresh token).
    func refresh(_ refreshToken: String, scopes: [String]) async throws(IdentityError) -> TokenResponse {
        try await post("token", [
            "grant_type": "refresh_token", "client_id": clientID, "refresh_token": refreshToken, "scope": scopes.joined(separator: " "),
        ])
    }

    private func post<Answer: Decodable>(_ action: String, _ form: [String: String]) async throws(IdentityError) -> Answer {
        var request = HTTPClientRequest(url: "\(endpoint)/\(action)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Self.formEncoded(form)))
        let status: UInt
        let retryAfter: Int?
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(30), logger: logger)
            status = response.status.code
            retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.seconds($0) }
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw .unavailable(String(describing: error), retryAfter: nil)
        }
        let data = Data(body.readableBytesView)
        if (200..<300).contains(status) {
            do {
                return try JSONDecoder().decode(Answer.self, from: data)
            } catch {
                throw .malformed("HTTP \(status) without the expected fields")
            }
        }
        guard let oauth = try? JSONDecoder().decode(EntraErrorBody.self, from: data) else {
            throw status == 429 || status >= 500
                ? .unavailable("HTTP \(status)", retryAfter: retryAfter) : .malformed("HTTP \(status) without an OAuth error")
        }
        logger.debug("Identity platform error", metadata: ["status": "\(status)", "oauth.error": "\(oauth.error)"])
        switch oauth.error {
        case "authorization_pending": throw .authorizationPending
        case "slow_down": throw .slowDown
        case "authorization_declined", "access_denied": throw .declined
        case "expired_token": throw .expired
        case "bad_verification_code": throw .badVerificationCode
        case "invalid_grant", "interaction_required", "consent_required": throw .invalidGrant(oauth.summary)
        case "temporarily_unavailable": throw .unavailable(oauth.summary, retryAfter: retryAfter)
        default:
            if status == 429 || status >= 500 { throw .unavailable(oauth.summary, retryAfter: retryAfter) }
            throw .rejected(error: oauth.error, detail: oauth.summary)
        }
    }

    static func formEncoded(_ form: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }
}

/// Polls the token endpoint until the person has entered the code, as RFC 8628 and Microsoft describe.
enum DeviceCodePolling {
    /// Waits `interval` between polls; `slow_down` adds five seconds; a transient failure is retried
    /// until the code expires. `sleep` is injectable so tests need not wait.
    static func waitForApproval(
        _ grant: DeviceCodeGrant,
        client: IdentityClient,
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async throws -> TokenResponse {
        var interval = Duration.seconds(max(1, grant.interval))
        var waited = Duration.zero
        let lifetime = Duration.seconds(max(1, grant.expiresIn))
        while true {
            try await sleep(interval)
            waited += interval
            do {
                return try await client.redeemDeviceCode(grant)
            } catch .authorizationPending {
            } catch .slowDown {
                interval += .seconds(5)
            } catch .unavailable(let detail, _) {
                client.logger.warning("Polling for the sign-in failed; trying again", metadata: ["detail": "\(detail)"])
            } catch {
                throw error
            }
            if waited >= lifetime { throw IdentityError.expired }
        }
    }
}
