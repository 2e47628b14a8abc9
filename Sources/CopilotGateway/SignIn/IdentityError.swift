/// What the Microsoft identity platform answered instead of a token, or why it could not be asked.
public enum IdentityError: Error, Sendable, Equatable {
    /// The person has not entered the code yet.
    case authorizationPending
    /// Polling too fast: wait five seconds longer between polls.
    case slowDown
    /// The person declined the sign-in.
    case declined
    /// The code expired before anyone entered it.
    case expired
    /// The identity platform does not know the device code.
    case badVerificationCode
    /// The saved sign-in is no longer valid (expired, revoked, MFA or consent now needed).
    case invalidGrant(String)
    /// Another OAuth error: wrong tenant or client id, scopes, app registration.
    case rejected(error: String, detail: String)
    /// The identity platform could not be reached or is failing (network, 5xx, 429); worth retrying.
    case unavailable(String, retryAfter: Int?)
    /// The answer could not be read.
    case malformed(String)

    /// A sentence for a person, with what to do about it.
    public var message: String {
        switch self {
        case .authorizationPending: "The sign-in is waiting for the code to be entered."
        case .slowDown: "The identity platform asked to poll more slowly."
        case .declined: "The sign-in was declined in the browser."
        case .expired: "The sign-in code expired before it was entered. Start the sign-in again."
        case .badVerificationCode: "Microsoft does not know this sign-in code (it may have been used already). Start the sign-in again."
        case .invalidGrant(let detail):
            "Microsoft no longer accepts the saved sign-in (\(detail)). Sign in again."
        case .rejected(let error, let detail):
            "Microsoft refused the sign-in request (\(error): \(detail)). Check TENANT_ID, CLIENT_ID, COPILOT_SCOPES and the app registration (public client flows allowed, delegated Graph permissions consented)."
        case .unavailable(let detail, _): "Microsoft's sign-in service is unavailable (\(detail)); it will be retried."
        case .malformed(let detail): "Microsoft's sign-in answer could not be read (\(detail))."
        }
    }
}
