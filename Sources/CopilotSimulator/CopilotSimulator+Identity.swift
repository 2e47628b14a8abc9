import Foundation

extension CopilotSimulator {
    /// Approves the pending device code with `userCode` as `user` (a UPN; the tokens it gets are that
    /// user's); false if there is none (unknown, or no longer pending).
    @discardableResult
    public func approveDeviceCode(userCode: String, user: String? = nil) -> Bool {
        if case .done = identity.decide(userCode: userCode, approve: true, user: user ?? Self.defaultUser, now: Date()) { return true }
        return false
    }

    /// Declines the pending device code with `userCode`; false if there is none (unknown, or no longer pending).
    @discardableResult
    public func declineDeviceCode(userCode: String) -> Bool {
        if case .done = identity.decide(userCode: userCode, approve: false, now: Date()) { return true }
        return false
    }

    /// Turns automatic approval on or off: every current and future pending code is approved `delay`
    /// after it was issued.
    public func setAutoApprove(_ on: Bool, delay: Duration = .milliseconds(200)) {
        identity.setAutoApprove(on, delay: delay, now: Date())
    }

    /// Every device code issued, oldest first, without the `device_code` secrets.
    public var deviceCodes: [SimulatedDeviceCode] {
        identity.deviceCodes(now: Date())
    }

    /// Counters of the identity traffic.
    public var identityCounters: IdentityCounters { identity.counters }

    /// Token responses (200) sent by the token endpoint, from either grant.
    public var issuedTokenCount: Int { identity.counters.tokensIssued }

    /// Refresh-token grant requests received, whatever their outcome.
    public var refreshGrantCount: Int { identity.counters.refreshGrants }

    /// Makes every access token issued so far expired (seen by the Graph endpoints under `checkTokens`).
    public func expireAccessTokens() {
        identity.expireAccessTokens(now: Date())
    }

    /// Revokes every refresh token issued so far, as a password reset would: redeeming one then
    /// fails with `invalid_grant` AADSTS50173.
    public func revokeRefreshTokens() {
        identity.revokeRefreshTokens()
    }

    func decideDeviceCode(userCode: String, approve: Bool, user: String?) -> IdentityState.DecisionResult {
        identity.decide(userCode: userCode, approve: approve, user: user ?? Self.defaultUser, now: Date())
    }

    /// The user who approves a device code that names none (`--auto-approve`, `{"auto":true}`).
    public static let defaultUser = IDToken.preferredUsername

    func issueDeviceCode(
        clientID: String, tenant: String, scopeText: String, now: Date
    ) throws(EntraError) -> (deviceCode: String, userCode: String) {
        try identity.issueDeviceCode(clientID: clientID, tenant: tenant, scopeText: scopeText, now: now)
    }

    func noteGrantRequest(_ grantType: String?) {
        identity.noteGrantRequest(grantType)
    }

    func pollDeviceCode(
        _ deviceCode: String, clientID: String, faults: FaultSet, now: Date
    ) throws(EntraError) -> TokenGrant {
        try identity.pollDeviceCode(deviceCode, clientID: clientID, faults: faults, now: now)
    }

    func redeemRefreshToken(
        _ refreshToken: String, clientID: String, tenant: String, scopeText: String?, faults: FaultSet, now: Date
    ) throws(EntraError) -> TokenGrant {
        try identity.redeemRefreshToken(
            refreshToken, clientID: clientID, tenant: tenant, scopeText: scopeText, faults: faults, now: now)
    }

    func checkAccessToken(_ token: String, resource: String, now: Date) -> IdentityState.AccessTokenCheck {
        identity.checkAccessToken(token, resource: resource, now: now)
    }

    /// The user whose access token an `Authorization: Bearer …` value carries; nil for a token this
    /// simulator did not issue (a fixed test token) or no header.
    func user(ofAuthorization header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return identity.user(ofAccessToken: parts[1].trimmingCharacters(in: .whitespaces))
    }
}
