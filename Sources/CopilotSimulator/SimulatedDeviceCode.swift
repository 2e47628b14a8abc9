/// A device code as `GET /_sim/devicecodes` lists it. It never holds the `device_code` secret.
public struct SimulatedDeviceCode: Codable, Sendable, Equatable {
    /// Where a device code is in its life.
    public enum Status: String, Codable, Sendable {
        /// Waiting for the (simulated) user.
        case pending
        /// Approved; the next poll gets tokens.
        case approved
        /// Declined; polls get `authorization_declined`.
        case declined
        /// Past its lifetime without being redeemed; polls get `expired_token`.
        case expired
        /// Redeemed for tokens; further polls get `bad_verification_code`.
        case consumed
    }

    /// The code the user would type, e.g. `ABCD2345`.
    public var userCode: String
    /// The `client_id` the code was issued to.
    public var clientId: String
    /// The tenant path segment of the devicecode request.
    public var tenant: String
    /// The requested `scope`, as sent.
    public var scope: String
    /// Where the code is in its life.
    public var status: Status
    /// When it was issued, e.g. `2026-08-13T13:03:10.123Z`.
    public var issuedDateTime: String
    /// When it expires.
    public var expiresDateTime: String

    /// Creates a listing entry.
    public init(
        userCode: String, clientId: String, tenant: String, scope: String, status: Status, issuedDateTime: String,
        expiresDateTime: String
    ) {
        self.userCode = userCode
        self.clientId = clientId
        self.tenant = tenant
        self.scope = scope
        self.status = status
        self.issuedDateTime = issuedDateTime
        self.expiresDateTime = expiresDateTime
    }
}

/// Counters of the simulator's identity traffic, as `GET /_sim/tokens` returns them.
public struct IdentityCounters: Codable, Sendable, Equatable {
    /// Successful devicecode requests.
    public var deviceCodesIssued = 0
    /// Device-code grant requests (polls) received, whatever their outcome.
    public var deviceCodePolls = 0
    /// Refresh-token grant requests received, whatever their outcome.
    public var refreshGrants = 0
    /// Token responses (200) sent, from either grant.
    public var tokensIssued = 0

    /// Creates zeroed counters.
    public init() {}
}
