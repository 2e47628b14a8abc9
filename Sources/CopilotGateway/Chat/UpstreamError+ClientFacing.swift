import Foundation

extension UpstreamError: ClientFacingError {
    /// What a client is told about this failure.
    public var failure: ClientFailure {
        switch self {
        case .status(let status, let code, let message, let retryAfter, let requestID):
            Self.failure(status: status, detail: Self.statusDetail(status, code: code, message: message, requestID: requestID), graphMessage: message, retryAfter: retryAfter)
        case .transport(let description):
            ClientFailure(
                status: 502, kind: .server,
                message: "The network between the gateway and Microsoft Graph failed, so Copilot could not be reached (\(description)). Check the server's DNS, connectivity, proxy and TLS settings.",
                code: "upstream_unreachable")
        case .timeout:
            ClientFailure(status: 504, kind: .server, message: "Copilot did not answer in time (COPILOT_TIMEOUT).", code: "upstream_timeout")
        case .malformedResponse(let description):
            ClientFailure(status: 502, kind: .server, message: "Copilot's answer could not be read: \(description).", code: "upstream_malformed")
        case .emptyReply:
            ClientFailure(status: 502, kind: .server, message: "Copilot returned no answer.", code: "upstream_empty_reply")
        case .streamInterrupted:
            ClientFailure(
                status: 502, kind: .server, message: "Copilot's stream ended before the answer was complete.", code: "upstream_stream_interrupted")
        case .inBand(let code, let message):
            ClientFailure(
                status: 502, kind: .server, message: "Copilot reported an error mid-answer: \(code ?? "error"): \(message ?? "no message").",
                code: "upstream_error")
        case .wrongForm(let form):
            ClientFailure(
                status: 502, kind: .server,
                message: "Copilot did not answer with \(form) although the request required it, also when asked a second time.",
                code: "upstream_wrong_form")
        case .notSignedIn(let message):
            ClientFailure(status: 401, kind: .authentication, message: message, code: "not_signed_in")
        case .signInUnavailable(let message):
            ClientFailure(status: 503, kind: .server, message: message, code: "sign_in_unavailable", retryAfter: 5)
        }
    }

    /// Graph's own status, as the client gets it.
    static func failure(status: Int, detail: String, graphMessage: String?, retryAfter: Int?) -> ClientFailure {
        switch status {
        case 401:
            ClientFailure(
                status: 401, kind: .authentication,
                message: "\(detail). The Microsoft access token was rejected: sign in again, or replace COPILOT_ACCESS_TOKEN with a fresh token.",
                code: "upstream_unauthorized")
        case 403:
            ClientFailure(status: 403, kind: .permission, message: "\(detail). \(forbiddenAdvice(graphMessage))", code: "upstream_forbidden")
        case 413:
            ClientFailure(
                status: 400, kind: .invalidRequest,
                message: "This model's maximum context length was exceeded: the message is too long for Copilot (\(detail)).",
                code: "context_length_exceeded", param: "messages")
        case 429:
            ClientFailure(
                status: 429, kind: .rateLimit, message: "\(detail). Copilot is throttling this account; retry later.", code: "upstream_rate_limited",
                retryAfter: retryAfter)
        case 503:
            ClientFailure(
                status: 503, kind: .server, message: "\(detail). Copilot is temporarily unavailable.", code: "upstream_unavailable",
                retryAfter: retryAfter)
        case 504:
            ClientFailure(status: 504, kind: .server, message: "\(detail).", code: "upstream_timeout")
        default:
            ClientFailure(status: 502, kind: .server, message: "\(detail).", code: "upstream_error")
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
