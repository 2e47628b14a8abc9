import Hummingbird
import HTTPTypes
import Logging
import NIOHTTP1

/// Turns every error that reaches it into a response in the shape of the API the request speaks
/// (Anthropic's for the Messages routes, OpenAI's for everything else), so no client ever sees a bare
/// text or a framework default body: unknown routes, oversized bodies and unexpected failures included.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .connect {
            // HTTP/1.1 gives a response to CONNECT no body, and the connection would become a tunnel:
            // the refusal says so in its status and the connection is closed.
            var error = OpenAIError(
                status: .methodNotAllowed, message: "CONNECT is not supported: the gateway is not a proxy.", type: "invalid_request_error",
                code: "method_not_allowed")
            error.closesConnection = true
            var response = error.response()
            response.headers[.allow] = "GET, POST"
            return response
        }
        do {
            return try await next(request, context)
        } catch let error as AnthropicError {
            return error.response()
        } catch let error as any ClientFacingError where AnthropicError.isAnthropic(request) {
            return AnthropicError(error.failure).response()
        } catch {
            let answer = Self.openAIError(for: error, request: request, context: context)
            return AnthropicError.isAnthropic(request) ? AnthropicError(answer).response() : answer.response()
        }
    }

    /// The error as OpenAI words it.
    static func openAIError(for error: any Error, request: Request, context: Context) -> OpenAIError {
        switch error {
        case let error as OpenAIError:
            return error
        case let error as any ClientFacingError:
            return OpenAIError(error.failure)
        case let error as HTTPParserError:
            // A route that read its body itself met broken framing: nothing after it can be trusted.
            var answer = OpenAIError.invalidRequest(
                "The request body could not be read: \(RequestBodyReader.describe(error)).", code: "malformed_body")
            answer.closesConnection = true
            return answer
        case let error as any HTTPResponseError:
            return openAIError(for: error.status, request: request)
        default:
            context.logger.error("Request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return OpenAIError(status: .internalServerError, message: "The gateway failed to handle this request.", type: "api_error", code: "internal_error")
        }
    }

    static func openAIError(for status: HTTPResponse.Status, request: Request) -> OpenAIError {
        switch status {
        case .notFound:
            return OpenAIError(
                status: .notFound, message: "Unknown path: \(request.method) \(request.uri.path). The gateway serves POST /v1/chat/completions, POST /v1/responses, POST /v1/messages and GET /v1/models.",
                type: "invalid_request_error", code: "not_found")
        case .contentTooLarge:
            return OpenAIError(status: .contentTooLarge, message: "The request body is too large.", type: "invalid_request_error", code: "request_too_large")
        default:
            return OpenAIError(status: status, message: status.reasonPhrase, type: status.code >= 500 ? "api_error" : "invalid_request_error")
        }
    }
}
