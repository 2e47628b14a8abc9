import HTTPTypes

import Foundation

/// An error as Anthropic sends it: `{"type":"error","error":{"type","message"}}` with a status.
struct AnthropicError: Error, Sendable, Equatable {
    var status: HTTPResponse.Status
    /// `invalid_request_error`, `authentication_error`, `permission_error`, `not_found_error`,
    /// `rate_limit_error`, `timeout_error`, `api_error` or `overloaded_error`: the types of the error
    /// union in Anthropic's OpenAPI document (a 413 is an `invalid_request_error` there, as it has no
    /// `request_too_large`).
    var type: String
    var message: String
    /// Seconds a client should wait, sent as `retry-after`.
    var retryAfter: Int?
    /// The connection is closed after this answer (the request was not read to its end).
    var closesConnection = false
    /// The request's id, which the body repeats as `request_id` (and the `request-id` header gives).
    var requestID: String?

    static func invalidRequest(_ message: String) -> AnthropicError {
        AnthropicError(status: .badRequest, type: "invalid_request_error", message: message)
    }

    /// A domain failure in Anthropic's shape: the one place the core's errors become Anthropic errors.
    init(_ failure: ClientFailure) {
        self.init(status: HTTPResponse.Status(code: failure.status), code: failure.code, message: failure.message, retryAfter: failure.retryAfter)
    }

    /// An error of `status` and `code` (the gateway's machine-readable code), as Anthropic's clients
    /// understand it:
    /// - Copilot or the gateway being busy or unavailable is `overloaded_error` (529);
    /// - the gateway's own Microsoft sign-in failing is a server error (502), not the client's
    ///   `authentication_error`, which clients such as Claude Code read as a wrong key;
    /// - a message too long for Copilot begins "prompt is too long", as clients look for.
    init(status: HTTPResponse.Status, code: String?, message: String, retryAfter: Int?) {
        switch code {
        case "upstream_busy", "upstream_unavailable", "server_busy":
            self.init(status: .init(code: 529), type: "overloaded_error", message: message, retryAfter: retryAfter)
        case "not_signed_in", "upstream_unauthorized":
            self.init(status: .badGateway, type: "api_error", message: message, retryAfter: retryAfter)
        case "context_length_exceeded":
            self.init(status: status, message: "prompt is too long: " + message, retryAfter: retryAfter)
        default:
            self.init(status: status, message: message, retryAfter: retryAfter)
        }
    }

    init(_ error: some ClientFacingError) {
        self.init(error.failure)
    }

    /// The error as the response to the request `requestID` tells it (`request_id`).
    func answering(_ requestID: String?) -> AnthropicError {
        var error = self
        error.requestID = requestID
        return error
    }

    /// A body that is not a Messages request, in Anthropic's words: `max_tokens: Field required`,
    /// `messages.0.content: Input should be a valid list`.
    init(_ problem: JSONBody.Problem) {
        let field = problem.dottedPath
        let message = switch problem.reason {
        case .missing: "\(field): Field required"
        case .wrongType(let expected, _): "\(field): Input should be \(Self.validName(expected))"
        case .invalid(let why): "\(field): \(why)"
        case .unreadable(let why): why
        }
        self = .invalidRequest(message)
    }

    /// A JSON type as Anthropic's validation errors name it.
    static func validName(_ type: String) -> String {
        switch type {
        case "a string": "a valid string"
        case "an integer": "a valid integer"
        case "a number": "a valid number"
        case "a boolean": "a valid boolean"
        case "an object": "a valid dictionary"
        case "an array": "a valid list"
        default: type
        }
    }

    /// An error of any status, typed as Anthropic types that status.
    init(status: HTTPResponse.Status, message: String, retryAfter: Int? = nil) {
        self.init(status: status, type: Self.type(for: status.code), message: message, retryAfter: retryAfter)
    }

    init(status: HTTPResponse.Status, type: String, message: String, retryAfter: Int? = nil) {
        self.status = status
        self.type = type
        self.message = message
        self.retryAfter = retryAfter
    }

    static func type(for status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        case 504: "timeout_error"
        case 529: "overloaded_error"
        case 500...: "api_error"
        default: "invalid_request_error"
        }
    }

    struct Body: Encodable {
        var type = "error"
        var error: Detail
        var requestID: String?
        struct Detail: Encodable {
            var type: String
            var message: String
        }

        enum CodingKeys: String, CodingKey { case type, error, requestID = "request_id" }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encode(error, forKey: .error)
            try container.encode(requestID, forKey: .requestID)
        }
    }

    /// The JSON body, for a response or an SSE `error` event.
    var jsonBytes: [UInt8] {
        let body = Body(error: .init(type: type, message: message), requestID: requestID)
        return (try? Array(GatewayJSON.encoder().encode(body))) ?? Array(#"{"type":"error","error":{"type":"api_error","message":"internal error"}}"#.utf8)
    }
}
