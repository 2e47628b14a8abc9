import Hummingbird
import Logging
import HTTPTypes
import NIOCore
import NIOHTTP1

import Foundation

extension OpenAIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The error as an HTTP response with the OpenAI body.
    func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if closesConnection { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBytes)))
    }

    /// `{"error":{…}}` as bytes, for a response body or an SSE event.
    var jsonBytes: [UInt8] {
        (try? Array(GatewayJSON.encoder().encode(body))) ?? Array(#"{"error":{"message":"internal error","type":"api_error","param":null,"code":null}}"#.utf8)
    }
}

/// Turns every error that reaches it into an OpenAI-shaped response, so no client ever sees a bare text
/// or a framework default body: unknown routes, oversized bodies and unexpected failures included.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
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
        } catch let error as OpenAIError {
            return error.response()
        } catch let error as any ClientFacingError {
            return OpenAIError(error.failure).response()
        } catch let error as HTTPParserError {
            // A route that read its body itself met broken framing: nothing after it can be trusted.
            var answer = OpenAIError.invalidRequest(
                "The request body could not be read: \(RequestBodyReader.describe(error)).", code: "malformed_body")
            answer.closesConnection = true
            return answer.response()
        } catch let error as any HTTPResponseError {
            return Self.openAIError(for: error.status, request: request).response()
        } catch {
            context.logger.error("Request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return OpenAIError(status: .internalServerError, message: "The gateway failed to handle this request.", type: "api_error", code: "internal_error").response()
        }
    }

    static func openAIError(for status: HTTPResponse.Status, request: Request) -> OpenAIError {
        switch status {
        case .notFound:
            return OpenAIError(
                status: .notFound, message: "Unknown path: \(request.method) \(request.uri.path). The gateway serves POST /v1/chat/completions and GET /v1/models.",
                type: "invalid_request_error", code: "not_found")
        case .contentTooLarge:
            return OpenAIError(status: .contentTooLarge, message: "The request body is too large.", type: "invalid_request_error", code: "request_too_large")
        default:
            return OpenAIError(status: status, message: status.reasonPhrase, type: status.code >= 500 ? "api_error" : "invalid_request_error")
        }
    }
}
