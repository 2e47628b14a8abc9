import Foundation

/// An error the identity endpoints answer with, in the Microsoft identity platform's shape:
/// `{"error","error_description":"AADSTSnnnnn: …\r\nTrace ID: …","error_codes":[n],"timestamp",…}`.
///
/// Microsoft documents no AADSTS number for `slow_down`, `authorization_declined` or an unknown device
/// code; the simulator's choices for those are marked below and must not be relied on by clients.
struct EntraError: Error, Sendable, Equatable {
    var status = 400
    /// The OAuth `error` value, e.g. `authorization_pending`.
    var error: String
    /// The AADSTS number.
    var code: Int
    /// The text after `AADSTSnnnnn: `.
    var message: String
    var suberror: String?
    /// Sent verbatim as the `Retry-After` header.
    var retryAfter: String?

    static func missingParameter(_ name: String) -> EntraError {
        EntraError(
            error: "invalid_request", code: 900144,
            message: "The request body must contain the following parameter: '\(name)'.")
    }

    static let publicClientWithSecret = EntraError(
        error: "invalid_client", code: 700025,
        message: "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")

    static func unsupportedGrantType(_ grantType: String) -> EntraError {
        EntraError(
            error: "unsupported_grant_type", code: 70003,
            message: "The app requested an unsupported grant type '\(grantType)'.")
    }

    static func invalidScope(_ detail: String) -> EntraError {
        EntraError(
            error: "invalid_scope", code: 70011,
            message: "The provided value for the input parameter 'scope' is not valid. \(detail)")
    }

    static let authorizationPending = EntraError(
        error: "authorization_pending", code: 70016,
        message: "The provided request has not yet been authorized by the user. The user must input their code.")

    /// AADSTS70017 is the simulator's choice; Microsoft documents no code (nor the error itself).
    static let slowDown = EntraError(
        error: "slow_down", code: 70017,
        message: "The client is polling too quickly. Wait at least 5 more seconds between polls.")

    /// AADSTS70020 is the simulator's choice; Microsoft documents none.
    static let authorizationDeclined = EntraError(
        error: "authorization_declined", code: 70020,
        message: "The user declined the authorization request.")

    /// AADSTS70019 (CodeExpired) is the simulator's choice for an expired device code.
    static let expiredDeviceCode = EntraError(
        error: "expired_token", code: 70019,
        message: "Verification code expired. The device code has passed its lifetime; start a new device flow.")

    /// AADSTS70018 is the simulator's choice for a device code it never issued.
    static let unknownDeviceCode = EntraError(
        error: "bad_verification_code", code: 70018,
        message: "The provided value for the input parameter 'device_code' is not valid.")

    /// AADSTS90120 (InvalidDeviceFlowRequest): the code was already redeemed.
    static let consumedDeviceCode = EntraError(
        error: "bad_verification_code", code: 90120,
        message: "The device code was already redeemed. The request was already authorized or declined.")

    static func invalidGrant(_ message: String, code: Int = 70000, suberror: String? = nil) -> EntraError {
        EntraError(error: "invalid_grant", code: code, message: message, suberror: suberror)
    }

    /// The `invalid_grant` an `invalidGrant` fault produces: `code` defaults to 700082 (inactivity).
    static func invalidGrantFault(_ fault: SimulatorFault, clientID: String, now: Date) -> EntraError {
        let code = fault.code ?? 700082
        let issued = IdentityDates.iso(now.addingTimeInterval(-90 * 86_400 - 3_600))
        let (defaultMessage, suberror): (String, String?) =
            switch code {
            case 700082:
                (
                    "The refresh token has expired due to inactivity. The token was issued on \(issued) "
                        + "and was inactive for 90.00:00:00.", nil
                )
            case 70008:
                (
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new "
                        + "interactive authorization request for this user and resource.", nil
                )
            case 50173:
                (
                    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user "
                        + "might have changed or reset their password. The grant was issued on '\(issued)'.", nil
                )
            case 50076:
                (
                    "Due to a configuration change made by your administrator, or because you moved to a new "
                        + "location, you must use multi-factor authentication to access "
                        + "'00000003-0000-0000-c000-000000000000'.", "basic_action"
                )
            case 65001:
                (
                    "The user or administrator has not consented to use the application with ID '\(clientID)'. "
                        + "Send an interactive authorization request for this user and resource.", "consent_required"
                )
            case 70043:
                (
                    "The refresh token has expired or is invalid due to sign-in frequency checks by conditional "
                        + "access. The token was issued on \(issued).", nil
                )
            default:
                ("Provided grant is invalid or malformed.", nil)
            }
        return .invalidGrant(fault.message ?? defaultMessage, code: code, suberror: suberror)
    }

    /// The error a `status` fault produces on an identity endpoint.
    static func fault(_ fault: SimulatorFault) -> EntraError {
        let status = fault.status ?? 503
        let transient = status == 429 || status >= 500
        return EntraError(
            status: status, error: transient ? "temporarily_unavailable" : "invalid_request",
            code: transient ? 90033 : 90100,
            message: fault.message
                ?? (transient
                    ? "A transient error has occurred. Please try again." : "Simulated failure with status \(status)."),
            retryAfter: fault.retryAfter)
    }

    /// The JSON body; `traceID` and `correlationID` also go into the description's trailer lines.
    func body(traceID: String, correlationID: String, date: Date = Date()) -> SimulatorJSON {
        let timestamp = IdentityDates.errorTimestamp(date)
        let description =
            "AADSTS\(code): \(message)\r\nTrace ID: \(traceID)\r\nCorrelation ID: \(correlationID)\r\n"
            + "Timestamp: \(timestamp)"
        var members: [(String, SimulatorJSON)] = [
            ("error", .string(error)),
            ("error_description", .string(description)),
            ("error_codes", [.number(Double(code))]),
            ("timestamp", .string(timestamp)),
            ("trace_id", .string(traceID)),
            ("correlation_id", .string(correlationID)),
            ("error_uri", .string("https://login.microsoftonline.com/error?code=\(code)")),
        ]
        if let suberror { members.append(("suberror", .string(suberror))) }
        return .object(members)
    }
}

/// Date formats used by the identity endpoints.
enum IdentityDates {
    /// `2022-08-25 09:34:07Z`, as in an Entra error's `timestamp`.
    static func errorTimestamp(_ date: Date) -> String {
        GraphDates.errorDate(date).replacingOccurrences(of: "T", with: " ") + "Z"
    }

    /// `2024-07-31T08:00:26Z`.
    static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }
}
