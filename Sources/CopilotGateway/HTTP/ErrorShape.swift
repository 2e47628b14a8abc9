import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The wire shape of a route's errors: its dialect's. Each dialect's routes are registered with theirs
/// (`Router.addAPI`), so every layer's errors on them, from a missing key to a failed turn, take it.
enum ErrorShape: Sendable, Equatable {
    /// `{"error":{"message","type","param","code"}}`: Chat Completions, Responses, and the routes of neither.
    case openAI
    /// `{"type":"error","error":{"type","message"}}` with a `request-id` header.
    case anthropic

    /// The shape on routes every dialect shares (the models list) and on paths no route serves:
    /// Anthropic's for a request that carries `anthropic-version`, else OpenAI's.
    static func shared(_ request: Request) -> ErrorShape {
        request.headers[.anthropicVersion] != nil ? .anthropic : .openAI
    }

    /// `error` as this shape's response: a dialect's own wire error as it is, anything else as the
    /// edge describes it (`EdgeError.describing`), in this dialect's words.
    func response(to error: any Error, request: Request, requestID: String, logger: Logger) -> Response {
        switch (self, error) {
        case (.openAI, let error as OpenAIError): return error.response()
        case (.anthropic, let error as AnthropicError):
            return error.answering(requestID).response()
        // A dialect's own error on another's route (none is thrown there today): its words, this shape.
        case (.anthropic, let error as OpenAIError):
            let anthropic = AnthropicError(status: error.status, code: error.code, message: error.message, retryAfter: error.retryAfter)
            return Self.anthropic(anthropic.answering(requestID), closing: error.closesConnection)
        case (.openAI, let error as AnthropicError):
            let type = error.status.code >= 500 ? "api_error" : "invalid_request_error"
            return Self.openAI(
                OpenAIError(status: error.status, message: error.message, type: type, retryAfter: error.retryAfter), closing: error.closesConnection)
        default: break
        }
        let described = EdgeError.describing(error, method: request.method, path: request.uri.path)
        if case .internalFailure? = described as? EdgeError {
            logger.error("Request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
        let closes = (described as? EdgeError)?.closesConnection ?? false
        switch self {
        case .openAI: return Self.openAI(OpenAIError(described.failure), closing: closes)
        case .anthropic: return Self.anthropic(AnthropicError(described.failure).answering(requestID), closing: closes)
        }
    }

    /// `failure` as this shape's error body (Anthropic's with `requestID`).
    func jsonBytes(_ failure: ClientFailure, requestID: String) -> [UInt8] {
        switch self {
        case .openAI: OpenAIError(failure).jsonBytes
        case .anthropic: AnthropicError(failure).answering(requestID).jsonBytes
        }
    }

    private static func openAI(_ error: OpenAIError, closing: Bool) -> Response {
        var error = error
        error.closesConnection = closing
        return error.response()
    }

    private static func anthropic(_ error: AnthropicError, closing: Bool) -> Response {
        var error = error
        error.closesConnection = closing
        return error.response()
    }
}

extension HTTPField.Name {
    static let anthropicVersion = HTTPField.Name("anthropic-version")!
    /// Anthropic's clients read a request's id from `request-id`.
    static let anthropicRequestID = HTTPField.Name("request-id")!
}
