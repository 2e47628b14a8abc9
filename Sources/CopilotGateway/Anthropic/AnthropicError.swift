import HTTPTypes

import Foundation

/// An error as Anthropic sends it: `{"type":"error","error":{"type","message"}}` with a status.
struct AnthropicError: Error, Sendable, Equatable {
    var status: HTTPResponse.Status
    /// `invalid_request_error`, `authentication_error`, `permission_error`, `not_found_error`,
    /// `request_too_large`, `rate_limit_error`, `api_error` or `overloaded_error`.
    var type: String
    var message: String
    /// Seconds a client should wait, sent as `retry-after`.
    var retryAfter: Int?
    /// The connection is closed after this answer (the request was not read to its end).
    var closesConnection = false

    static func invalidRequest(_ message: String) -> AnthropicError {
        AnthropicError(status: .badRequest, type: "invalid_request_error", message: message)
    }

    /// A domain failure in Anthropic's shape: the one place the core's errors become Anthropic errors.
    /// Copilot being busy or unavailable is Anthropic's `overloaded_error` (529).
    init(_ failure: ClientFailure) {
        if failure.code == "upstream_busy" || failure.code == "upstream_unavailable" {
            self.init(status: .init(code: 529), type: "overloaded_error", message: failure.message, retryAfter: failure.retryAfter)
            return
        }
        self.init(status: HTTPResponse.Status(code: failure.status), message: failure.message, retryAfter: failure.retryAfter)
    }

    init(_ error: some ClientFacingError) {
        self.init(error.failure)
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
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        case 500...: "api_error"
        default: "invalid_request_error"
        }
    }

    struct Body: Encodable {
        var type = "error"
        var error: Detail
        struct Detail: Encodable {
            var type: String
            var message: String
        }
    }

    /// The JSON body, for a response or an SSE `error` event.
    var jsonBytes: [UInt8] {
        let body = Body(error: .init(type: type, message: message))
        return (try? Array(GatewayJSON.encoder().encode(body))) ?? Array(#"{"type":"error","error":{"type":"api_error","message":"internal error"}}"#.utf8)
    }
}
