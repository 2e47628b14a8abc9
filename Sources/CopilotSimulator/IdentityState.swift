import Foundation

/// The identity platform's state: device codes, issued tokens and counters. Pure: every method takes
/// the current time, so the state machine can be tested without a server.
struct IdentityState: Sendable {
    private struct DeviceCodeRecord: Sendable {
        enum Decision: Sendable { case pending, approved, declined }

        var deviceCode: String
        var userCode: String
        var clientID: String
        var tenant: String
        var scopeText: String
        var scopes: ScopeSet
        var issuedAt: Date
        var expiresAt: Date
        var decision = Decision.pending
        /// Who approved the code: the user its tokens are issued to.
        var user = IDToken.preferredUsername
        var consumed = false
        var lastPoll: Date?

        func status(at now: Date) -> SimulatedDeviceCode.Status {
            if consumed { return .consumed }
            if now >= expiresAt { return .expired }
            switch decision {
            case .pending: return .pending
            case .approved: return .approved
            case .declined: return .declined
            }
        }

        func listing(at now: Date) -> SimulatedDeviceCode {
            SimulatedDeviceCode(
                userCode: userCode, clientId: clientID, tenant: tenant, scope: scopeText, status: status(at: now),
                issuedDateTime: GraphDates.timestamp(issuedAt), expiresDateTime: GraphDates.timestamp(expiresAt))
        }
    }

    private struct AccessTokenRecord: Sendable {
        var clientID: String
        var scopes: [Scope]
        var expiresAt: Date
        var user: String
    }

    private enum Revocation: Sendable { case rotated, revokedAll }

    private struct RefreshTokenRecord: Sendable {
        var clientID: String
        var user: String
        var grant: ScopeSet
        var openID: Bool
        var issuedAt: Date
        var revocation: Revocation?
    }

    /// What the Graph endpoints make of a bearer token under `checkTokens`.
    enum AccessTokenCheck: Sendable, Equatable { case valid, expired, unknown, wrongAudience }

    /// The result of approving or declining a code by its user code.
    enum DecisionResult: Sendable, Equatable {
        case done(SimulatedDeviceCode)
        case notFound
        case notPending(SimulatedDeviceCode.Status)
    }

    let options: SimulatorOptions
    private(set) var autoApprove: Bool
    private(set) var autoApproveDelay: Duration
    private(set) var counters = IdentityCounters()
    private var codes: [DeviceCodeRecord] = []
    private var accessTokens: [String: AccessTokenRecord] = [:]
    private var refreshTokens: [String: RefreshTokenRecord] = [:]

    init(options: SimulatorOptions) {
        self.options = options
        autoApprove = options.autoApprove
        autoApproveDelay = options.autoApproveDelay
    }

    // MARK: Device codes

    /// Issues a device code for a validated request.
    mutating func issueDeviceCode(
        clientID: String, tenant: String, scopeText: String, now: Date
    ) throws(EntraError) -> (deviceCode: String, userCode: String) {
        let scopes = ScopeSet(scopeText)
        try scopes.validate()
        applyAutoApproval(now: now)
        var userCode = IdentityRandom.userCode()
        while codes.contains(where: { $0.userCode == userCode }) { userCode = IdentityRandom.userCode() }
        let deviceCode = "SIMDC" + IdentityRandom.base64URL(bytes: 96)
        codes.append(
            DeviceCodeRecord(
                deviceCode: deviceCode, userCode: userCode, clientID: clientID, tenant: tenant, scopeText: scopeText,
                scopes: scopes, issuedAt: now,
                expiresAt: now.addingTimeInterval(options.deviceCodeLifetime.timeInterval)))
        counters.deviceCodesIssued += 1
        return (deviceCode, userCode)
    }

    /// Every device code, oldest first, without secrets.
    mutating func deviceCodes(now: Date) -> [SimulatedDeviceCode] {
        applyAutoApproval(now: now)
        return codes.map { $0.listing(at: now) }
    }

    /// Approves (as `user`) or declines the pending code with `userCode` (case and dashes ignored).
    mutating func decide(userCode: String, approve: Bool, user: String = IDToken.preferredUsername, now: Date) -> DecisionResult {
        applyAutoApproval(now: now)
        let wanted = userCode.uppercased().filter { $0.isLetter || $0.isNumber }
        guard let index = codes.lastIndex(where: { $0.userCode == wanted }) else { return .notFound }
        let status = codes[index].status(at: now)
        let target: SimulatedDeviceCode.Status = approve ? .approved : .declined
        guard status == .pending || status == target else { return .notPending(status) }
        codes[index].decision = approve ? .approved : .declined
        if approve, status == .pending { codes[index].user = user }
        return .done(codes[index].listing(at: now))
    }

    /// Turns automatic approval on or off; codes already due under the old setting stay approved.
    mutating func setAutoApprove(_ on: Bool, delay: Duration, now: Date) {
        applyAutoApproval(now: now)
        autoApprove = on
        autoApproveDelay = max(.zero, delay)
        applyAutoApproval(now: now)
    }

    private mutating func applyAutoApproval(now: Date) {
        guard autoApprove else { return }
        let delay = autoApproveDelay.timeInterval
        for index in codes.indices where codes[index].status(at: now) == .pending {
            if now >= codes[index].issuedAt.addingTimeInterval(delay) { codes[index].decision = .approved }
        }
    }

    // MARK: Grants

    /// Counts a token request before any fault or validation applies.
    mutating func noteGrantRequest(_ grantType: String?) {
        switch grantType {
        case IdentityHandlers.deviceCodeGrant: counters.deviceCodePolls += 1
        case "refresh_token": counters.refreshGrants += 1
        default: break
        }
    }

    /// One poll of the device-code grant.
    mutating func pollDeviceCode(
        _ deviceCode: String, clientID: String, faults: FaultSet, now: Date
    ) throws(EntraError) -> TokenGrant {
        if faults.contains(.expiredToken) { throw .expiredDeviceCode }
        if faults.contains(.slowDown) { throw .slowDown }
        applyAutoApproval(now: now)
        guard let index = codes.firstIndex(where: { $0.deviceCode == deviceCode }) else {
            throw .unknownDeviceCode
        }
        let code = codes[index]
        if code.consumed { throw .consumedDeviceCode }
        guard code.clientID == clientID else {
            throw .invalidGrant("The device code was issued to a different client than '\(clientID)'.")
        }
        codes[index].lastPoll = now
        if now >= code.expiresAt { throw .expiredDeviceCode }
        if options.enforceSlowDown, let previous = code.lastPoll,
            now.timeIntervalSince(previous) < Double(options.deviceCodeInterval)
        {
            throw .slowDown
        }
        switch code.decision {
        case .declined: throw .authorizationDeclined
        case .pending: throw .authorizationPending
        case .approved:
            codes[index].consumed = true
            return issueTokens(
                clientID: clientID, user: code.user, tenant: code.tenant, accessScopes: code.scopes.firstResourceScopes,
                grant: code.scopes, offline: code.scopes.contains(oidc: "offline_access"),
                openID: code.scopes.contains(oidc: "openid"), now: now)
        }
    }

    /// One refresh-token grant.
    mutating func redeemRefreshToken(
        _ refreshToken: String, clientID: String, tenant: String, scopeText: String?, faults: FaultSet, now: Date
    ) throws(EntraError) -> TokenGrant {
        if let fault = faults[.invalidGrant] { throw .invalidGrantFault(fault, clientID: clientID, now: now) }
        guard let record = refreshTokens[refreshToken] else {
            throw .invalidGrant("Provided grant is invalid or malformed.")
        }
        switch record.revocation {
        case .rotated?:
            throw .invalidGrant("The refresh token has already been redeemed and was revoked when it was rotated.")
        case .revokedAll?:
            throw .invalidGrant(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The grant was "
                    + "issued on '\(IdentityDates.iso(record.issuedAt))'.", code: 50173)
        case nil: break
        }
        guard record.clientID == clientID else {
            throw .invalidGrant("The refresh token was issued to a different client than '\(clientID)'.")
        }
        var requested = record.grant
        var openID = record.openID
        if let scopeText, !scopeText.trimmingCharacters(in: .whitespaces).isEmpty {
            let asked = ScopeSet(scopeText)
            try asked.validate()
            guard record.grant.covers(asked) else {
                throw .invalidScope(
                    "The scope '\(scopeText)' is not within the original grant ("
                        + "'\(record.grant.scopes.map(\.raw).joined(separator: " "))').")
            }
            if !asked.resourceScopes.isEmpty { requested = asked }
            openID = asked.contains(oidc: "openid")
        }
        var accessScopes = requested.firstResourceScopes
        if accessScopes.contains(where: \.isDefault) {
            // A `.default` request against an explicit grant yields the granted permissions of that resource.
            let resource = accessScopes.first?.resourceKey
            let explicit = record.grant.resourceScopes.filter { $0.resourceKey == resource && !$0.isDefault }
            if !explicit.isEmpty { accessScopes = explicit }
        }
        if options.revokeRotatedRefreshTokens { refreshTokens[refreshToken]?.revocation = .rotated }
        return issueTokens(
            clientID: clientID, user: record.user, tenant: tenant, accessScopes: accessScopes, grant: record.grant, offline: true,
            openID: openID, now: now)
    }

    private mutating func issueTokens(
        clientID: String, user: String, tenant: String, accessScopes: [Scope], grant: ScopeSet, offline: Bool, openID: Bool, now: Date
    ) -> TokenGrant {
        let lifetime = options.accessTokenLifetime
        let accessToken = "sim-at-" + IdentityRandom.base64URL(bytes: 48)
        accessTokens[accessToken] = AccessTokenRecord(
            clientID: clientID, scopes: accessScopes, expiresAt: now.addingTimeInterval(lifetime.timeInterval), user: user)
        var refreshToken: String?
        if offline {
            let token = "sim-rt-" + IdentityRandom.base64URL(bytes: 64)
            refreshTokens[token] = RefreshTokenRecord(clientID: clientID, user: user, grant: grant, openID: openID, issuedAt: now)
            refreshToken = token
        }
        counters.tokensIssued += 1
        return TokenGrant(
            accessToken: accessToken, refreshToken: refreshToken,
            idToken: openID
                ? IDToken.make(clientID: clientID, user: user, tenant: tenant, now: now, lifetime: lifetime.wholeSeconds) : nil,
            scope: ScopeSet.responseText(accessScopes), expiresIn: lifetime.wholeSeconds)
    }

    // MARK: Tokens

    /// Whether `token` is an unexpired access token this simulator issued for `resource` (its scopes'
    /// resource, e.g. `https://graph.microsoft.com`); one for another resource is `wrongAudience`.
    func checkAccessToken(_ token: String, resource: String, now: Date) -> AccessTokenCheck {
        guard let record = accessTokens[token] else { return .unknown }
        guard record.scopes.contains(where: { $0.resourceKey == resource.lowercased() }) else { return .wrongAudience }
        return now < record.expiresAt ? .valid : .expired
    }

    /// The user an access token this simulator issued belongs to; nil for any other token.
    func user(ofAccessToken token: String) -> String? {
        accessTokens[token]?.user
    }

    /// Makes every access token issued so far expired.
    mutating func expireAccessTokens(now: Date) {
        for token in accessTokens.keys {
            if let expiresAt = accessTokens[token]?.expiresAt { accessTokens[token]?.expiresAt = min(now, expiresAt) }
        }
    }

    /// Revokes every refresh token issued so far (as a password reset would): they then get AADSTS50173.
    mutating func revokeRefreshTokens() {
        for token in refreshTokens.keys where refreshTokens[token]?.revocation == nil {
            refreshTokens[token]?.revocation = .revokedAll
        }
    }
}
