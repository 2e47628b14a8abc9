import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Why the HTTP edge refused a request before (or around) any dialect read it: a key, a body, a
/// caller's share, a path. Like the core's errors it describes itself as a `ClientFailure`, and the
/// route's `ErrorShape` words it in its dialect once.
enum EdgeError: ClientFacingError, Equatable {
    case missingAPIKey
    case wrongAPIKey
    /// `GATEWAY_MAX_CONCURRENT_PER_KEY`.
    case tooManyConcurrent(limit: Int)
    /// `GATEWAY_REQUESTS_PER_MINUTE`.
    case rateLimited(perMinute: Int, retryAfter: Int)
    /// Over `GATEWAY_MAX_BODY_MB` (`limit` bytes); `drained` when the rest was read and thrown away.
    case bodyTooLarge(limit: Int?, drained: Bool)
    /// The bodies being read at once already take all of their memory (`capacity` bytes).
    case bodyMemoryExhausted(capacity: Int)
    /// The caller's bodies being read already take its share of that memory.
    case callersBodyShareExhausted(share: Int)
    case bodyTimedOut(seconds: Int64)
    /// The body's HTTP framing is broken; `reason` says how.
    case malformedBody(String)
    /// A request the HTTP parser refused before any route saw it (its head, or its framing).
    case malformedRequest(String)
    case unsupportedTransferEncoding(String)
    /// `/metrics` without the admin key; `configured` whether one is set at all.
    case adminKeyRequired(configured: Bool)
    case loginSecretRequired
    /// A new sign-in would replace the account signed in as `name`.
    case alreadySignedIn(name: String)
    /// `/login?account=` names no valid account.
    case invalidAccountName
    case notFound(method: String, path: String)
    /// The path is served, with other methods.
    case methodNotAllowed(method: String, path: String, allowed: [String])
    /// `GET /v1/models/{id}` of a model the gateway does not list.
    case modelNotFound(String)
    /// CONNECT: the gateway is not a proxy.
    case connectNotSupported
    /// Any other status the router gave.
    case status(Int, reason: String)
    /// Something failed that has no better description; the log has its type.
    case internalFailure

    /// The request was not read to its end, so nothing after it on the connection can be trusted:
    /// the answer closes the connection.
    var closesConnection: Bool {
        switch self {
        case .bodyTooLarge(_, let drained): !drained
        case .bodyMemoryExhausted, .callersBodyShareExhausted, .bodyTimedOut, .malformedBody, .malformedRequest, .unsupportedTransferEncoding, .connectNotSupported: true
        default: false
        }
    }

    var failure: ClientFailure {
        switch self {
        case .missingAPIKey:
            ClientFailure(
                status: 401, kind: .invalidRequest,
                message: "No API key: send one of the gateway's keys (GATEWAY_API_KEYS) as `Authorization: Bearer <key>` or `x-api-key: <key>`.",
                code: "invalid_api_key")
        case .wrongAPIKey:
            ClientFailure(
                status: 401, kind: .invalidRequest, message: "Incorrect API key: it is not one of the gateway's keys (GATEWAY_API_KEYS).",
                code: "invalid_api_key")
        case .tooManyConcurrent(let limit):
            ClientFailure(
                status: 429, kind: .rateLimit,
                message: "Too many requests at once for this API key (at most \(limit), GATEWAY_MAX_CONCURRENT_PER_KEY). Wait for one to finish.",
                code: "concurrency_limit_exceeded", retryAfter: 1)
        case .rateLimited(let perMinute, let retryAfter):
            ClientFailure(
                status: 429, kind: .rateLimit,
                message: "Rate limit reached for this API key: \(perMinute) requests per minute (GATEWAY_REQUESTS_PER_MINUTE). Try again in \(retryAfter) s.",
                code: "rate_limit_exceeded", retryAfter: retryAfter)
        default:
            bodyOrAccessFailure
        }
    }

    private var bodyOrAccessFailure: ClientFailure {
        switch self {
        case .bodyTooLarge(let limit?, _):
            ClientFailure(
                status: 413, kind: .invalidRequest,
                message: "The request body is larger than the gateway's limit of \(Self.mebibytes(limit)) (GATEWAY_MAX_BODY_MB).",
                code: "request_too_large")
        case .bodyTooLarge(nil, _):
            ClientFailure(status: 413, kind: .invalidRequest, message: "The request body is too large.", code: "request_too_large")
        case .bodyMemoryExhausted(let capacity):
            ClientFailure(
                status: 503, kind: .server,
                message: "The gateway is reading too many large request bodies at once (their memory is limited to \(Self.mebibytes(capacity)), eight times GATEWAY_MAX_BODY_MB). Try again in a moment.",
                code: "server_busy", retryAfter: 1)
        case .callersBodyShareExhausted(let share):
            ClientFailure(
                status: 429, kind: .rateLimit,
                message: "This API key's request bodies being read already take its share of the gateway's memory for bodies (\(Self.mebibytes(share)), a quarter of eight times GATEWAY_MAX_BODY_MB). Finish or close them, then try again.",
                code: "body_share_exceeded", retryAfter: 1)
        case .bodyTimedOut(let seconds):
            ClientFailure(
                status: 408, kind: .invalidRequest, message: "The request body did not arrive within \(seconds) s (GATEWAY_BODY_TIMEOUT_SECONDS).",
                code: "request_timeout")
        case .malformedBody(let reason):
            ClientFailure(status: 400, kind: .invalidRequest, message: "The request body could not be read: \(reason).", code: "malformed_body")
        case .malformedRequest(let reason):
            ClientFailure(status: 400, kind: .invalidRequest, message: "The request could not be read: \(reason).", code: "malformed_request")
        case .unsupportedTransferEncoding(let coding):
            ClientFailure(
                status: 400, kind: .invalidRequest,
                message: "The request could not be read: Transfer-Encoding `\(coding)` is not supported; send the body with a Content-Length or as `chunked`.",
                code: "malformed_body")
        default:
            accessOrPathFailure
        }
    }

    private var accessOrPathFailure: ClientFailure {
        switch self {
        case .adminKeyRequired(let configured):
            ClientFailure(
                status: 403, kind: .invalidRequest,
                message: configured
                    ? "/metrics needs the admin key (GATEWAY_ADMIN_KEY) as `Authorization: Bearer <key>`."
                    : "/metrics needs the admin key, and none is set: set GATEWAY_ADMIN_KEY (16 characters or more) and send it as `Authorization: Bearer <key>`.",
                code: "admin_key_required")
        case .loginSecretRequired:
            ClientFailure(
                status: 403, kind: .permission,
                message: "The sign-in page needs the newest sign-in link the gateway printed in its log (each link works once; for example `journalctl -u copilot-gateway | grep login?token= | tail -1`), or the admin key (GATEWAY_ADMIN_KEY) as `Authorization: Bearer <key>`. Or sign in on the server with `copilot-gateway login`.",
                code: "login_secret_required")
        case .alreadySignedIn(let name):
            ClientFailure(
                status: 409, kind: .invalidRequest,
                message: "The gateway is already signed in as \(name). A new sign-in would replace that account: confirm it with the form field replace=yes (the checkbox on the /login page).",
                code: "already_signed_in")
        case .invalidAccountName:
            ClientFailure(
                status: 400, kind: .invalidRequest,
                message: "An account name is 1 to 32 lowercase letters, digits or '-' (for example `alice` or `team-2`).",
                code: "invalid_account_name", param: "account")
        case .notFound(let method, let path):
            ClientFailure(
                status: 404, kind: .invalidRequest,
                message: "Unknown path: \(method) \(path). The gateway serves POST /v1/chat/completions, POST /v1/responses, POST /v1/messages and GET /v1/models.",
                code: "not_found")
        case .methodNotAllowed(let method, let path, let allowed):
            ClientFailure(
                status: 405, kind: .invalidRequest,
                message: "\(method) is not allowed on \(path): use \(allowed.joined(separator: " or ")).", code: "method_not_allowed")
        case .modelNotFound(let id):
            ClientFailure(
                status: 404, kind: .invalidRequest,
                message: "The model `\(id)` does not exist or you do not have access to it. GET /v1/models lists the gateway's models.",
                code: "model_not_found", param: "model")
        case .connectNotSupported:
            ClientFailure(
                status: 405, kind: .invalidRequest, message: "CONNECT is not supported: the gateway is not a proxy.", code: "method_not_allowed")
        case .status(let status, let reason):
            ClientFailure(status: status, kind: status >= 500 ? .server : .invalidRequest, message: reason)
        default:
            ClientFailure(status: 500, kind: .server, message: "The gateway failed to handle this request.", code: "internal_error")
        }
    }

    /// The error as the edge tells it: itself, the core's or a dialect's own (already in its words),
    /// broken framing met by a route that read its body itself, a status the router gave, or an
    /// internal failure.
    static func describing(_ error: any Error, method: HTTPRequest.Method, path: String) -> any ClientFacingError {
        switch error {
        case let error as any ClientFacingError:
            error
        case let error as HTTPParserError:
            EdgeError.malformedBody(RequestBodyReader.describe(error))
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound: EdgeError.notFound(method: method.rawValue, path: path)
            // The router's own limit (routes outside the API), which reads the body to its end.
            case .contentTooLarge: EdgeError.bodyTooLarge(limit: nil, drained: true)
            default: EdgeError.status(error.status.code, reason: error.status.reasonPhrase)
            }
        default:
            EdgeError.internalFailure
        }
    }

    static func mebibytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
