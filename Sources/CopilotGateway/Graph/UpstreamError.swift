import HTTPTypes

import Foundation

/// What went wrong between the gateway and Copilot.
public enum UpstreamError: Error, Sendable, Equatable {
    /// Graph answered with a non-success status.
    case status(Int, code: String?, message: String?, retryAfter: Double?)
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
        case .status(let status, let code, let message, let retryAfter):
            let sentence = message.map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 }
            let detail = "Copilot answered \(status)\(code.map { " \($0)" } ?? "")\(sentence.map { ": \($0)" } ?? "")"
            switch status {
            case 401:
                return OpenAIError(
                    status: .unauthorized,
                    message: "\(detail). The Microsoft access token was rejected: sign in again, or replace COPILOT_ACCESS_TOKEN with a fresh token.",
                    type: "authentication_error", code: "upstream_unauthorized")
            case 403:
                return OpenAIError(
                    status: .forbidden,
                    message: "\(detail). The account needs a Microsoft 365 Copilot licence and the seven delegated Graph permissions with admin consent (see the README).",
                    type: "permission_error", code: "upstream_forbidden")
            case 413:
                return .invalidRequest(
                    "This model's maximum context length was exceeded: the message is too long for Copilot (\(detail)).",
                    param: "messages", code: "context_length_exceeded")
            case 429:
                return OpenAIError(
                    status: .tooManyRequests, message: "\(detail). Copilot is throttling this account; retry later.",
                    type: "rate_limit_error", code: "upstream_rate_limited", retryAfter: retryAfter.map(Self.wholeSeconds))
            case 503:
                return OpenAIError(
                    status: .serviceUnavailable, message: "\(detail). Copilot is temporarily unavailable.",
                    type: "api_error", code: "upstream_unavailable", retryAfter: retryAfter.map(Self.wholeSeconds))
            case 504:
                return OpenAIError(status: .gatewayTimeout, message: "\(detail).", type: "api_error", code: "upstream_timeout")
            default:
                return OpenAIError(status: .badGateway, message: "\(detail).", type: "api_error", code: "upstream_error")
            }
        case .transport(let description):
            return OpenAIError(
                status: .badGateway, message: "Copilot could not be reached: \(description).", type: "api_error", code: "upstream_unreachable")
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

    static func wholeSeconds(_ seconds: Double) -> Int { max(0, Int(seconds.rounded(.up))) }
}
