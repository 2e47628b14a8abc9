import HTTPTypes

import Foundation

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

    /// The OpenAI-shaped error a client gets for this failure.
    public var openAIError: OpenAIError {
        switch self {
        case .status(let status, let code, let message, let retryAfter, let requestID):
            let detail = Self.statusDetail(status, code: code, message: message, requestID: requestID)
            switch status {
            case 401:
                return OpenAIError(
                    status: .unauthorized,
                    message: "\(detail). The Microsoft access token was rejected: sign in again, or replace COPILOT_ACCESS_TOKEN with a fresh token.",
                    type: "authentication_error", code: "upstream_unauthorized")
            case 403:
                return OpenAIError(
                    status: .forbidden,
                    message: "\(detail). \(Self.forbiddenAdvice(message))",
                    type: "permission_error", code: "upstream_forbidden")
            case 413:
                return .invalidRequest(
                    "This model's maximum context length was exceeded: the message is too long for Copilot (\(detail)).",
                    param: "messages", code: "context_length_exceeded")
            case 429:
                return OpenAIError(
                    status: .tooManyRequests, message: "\(detail). Copilot is throttling this account; retry later.",
                    type: "rate_limit_error", code: "upstream_rate_limited", retryAfter: retryAfter)
            case 503:
                return OpenAIError(
                    status: .serviceUnavailable, message: "\(detail). Copilot is temporarily unavailable.",
                    type: "api_error", code: "upstream_unavailable", retryAfter: retryAfter)
            case 504:
                return OpenAIError(status: .gatewayTimeout, message: "\(detail).", type: "api_error", code: "upstream_timeout")
            default:
                return OpenAIError(status: .badGateway, message: "\(detail).", type: "api_error", code: "upstream_error")
            }
        case .transport(let description):
            return OpenAIError(
                status: .badGateway,
                message: "The network between the gateway and Microsoft Graph failed, so Copilot could not be reached (\(description)). Check the server's DNS, connectivity, proxy and TLS settings.",
                type: "api_error", code: "upstream_unreachable")
        case .timeout:
            return OpenAIError(
                status: .gatewayTimeout, message: "Copilot did not answer in time (COPILOT_TIMEOUT).", type: "api_error", code: "upstream_timeout")
        case .malformedResponse(let description):
            return OpenAIError(
                status: .badGateway, message: "Copilot's answer could not be read: \(description).", type: "api_error", code: "upstream_malformed")
        case .emptyReply:
            return OpenAIError(status: .badGateway, message: "Copilot returned no answer.", type: "api_error", code: "upstream_empty_reply")
        case .streamInterrupted:
            return OpenAIError(
                status: .badGateway, message: "Copilot's stream ended before the answer was complete.", type: "api_error",
                code: "upstream_stream_interrupted")
        case .inBand(let code, let message):
            return OpenAIError(
                status: .badGateway, message: "Copilot reported an error mid-answer: \(code ?? "error"): \(message ?? "no message").",
                type: "api_error", code: "upstream_error")
        case .wrongForm(let form):
            return OpenAIError(
                status: .badGateway, message: "Copilot did not answer with \(form) although the request required it, also when asked a second time.",
                type: "api_error", code: "upstream_wrong_form")
        case .notSignedIn(let message):
            return OpenAIError(status: .unauthorized, message: message, type: "authentication_error", code: "not_signed_in")
        case .signInUnavailable(let message):
            return OpenAIError(status: .serviceUnavailable, message: message, type: "api_error", code: "sign_in_unavailable", retryAfter: 5)
        }
    }


    /// "Copilot answered 403 Forbidden: …" with Graph's code, message and request id where it gave them;
    /// the status is named even when the message is empty.
    static func statusDetail(_ status: Int, code: String?, message: String?, requestID: String?) -> String {
        var detail = "Copilot answered \(status)"
        if let code = code?.trimmingCharacters(in: .whitespacesAndNewlines), !code.isEmpty { detail += " \(code)" }
        if var sentence = message?.trimmingCharacters(in: .whitespacesAndNewlines), !sentence.isEmpty {
            if sentence.hasSuffix(".") { sentence.removeLast() }
            detail += ": \(sentence)"
        } else {
            detail += " (without a message)"
        }
        if let requestID, !requestID.isEmpty { detail += " [Graph request-id \(requestID)]" }
        return detail
    }

    /// What a 403 means and how to fix it: Graph names missing scopes in its message; a 403 without
    /// that is Copilot refusing an account without a licence (see the upstream protocol notes).
    static func forbiddenAdvice(_ message: String?) -> String {
        let text = (message ?? "").lowercased()
        if text.contains("scope") || text.contains("consent") || text.contains("permission") {
            return "The sign-in lacks Microsoft Graph permissions Copilot needs: the app registration must have all seven delegated permissions listed in the README, with admin consent, and COPILOT_SCOPES must ask for them; then sign in again (copilot-gateway login). `copilot-gateway doctor` checks this."
        }
        return "The account has no Microsoft 365 Copilot licence (a newly assigned licence takes 15 to 30 minutes to work): ask the tenant administrator to assign one. `copilot-gateway doctor` checks this."
    }
}
