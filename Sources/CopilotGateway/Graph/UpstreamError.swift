/// What went wrong between the gateway and Copilot.
public enum UpstreamError: Error, Sendable, Equatable {
    /// Graph answered with a non-success status; `requestID` is Graph's `request-id` for that call,
    /// which Microsoft support asks for.
    case status(Int, code: String?, message: String?, retryAfter: Int?, requestID: String? = nil)
    /// Graph could not be reached or the connection broke.
    case transport(String)
    /// Graph took longer than `COPILOT_TIMEOUT`.
    case timeout
    /// Graph's answer could not be read.
    case malformedResponse(String)
    /// Copilot's answer had no text.
    case emptyReply
    /// The stream ended before Copilot's final snapshot.
    case streamInterrupted
    /// An error object inside the event stream.
    case inBand(code: String?, message: String?)
    /// The turn demanded a tool call or JSON and Copilot gave neither, also when asked again.
    case wrongForm(String)
    /// No access token is available; the text says why and how to sign in.
    case notSignedIn(String)
    /// Signed in, but the identity platform cannot refresh the token right now.
    case signInUnavailable(String)
}
