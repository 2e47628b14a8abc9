import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Records `/beta/...` requests, turns thrown errors into Graph error envelopes, and adds the
/// `request-id` / `client-request-id` headers to every response.
struct GraphRequestMiddleware<Context: RequestContext>: RouterMiddleware {
    let simulator: CopilotSimulator

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let ids = GraphRequestIDs(clientRequestID: request.headers[.clientRequestID])
        var response: Response
        do {
            var request = request
            if request.uri.path.hasPrefix("/beta/") {
                let body = try await request.collectBody(upTo: context.maxUploadSize)
                await simulator.record(Self.record(request, body: body))
            }
            response = try await next(request, context)
        } catch let error as GraphError {
            response = Self.errorResponse(error, ids: ids)
        } catch let error as any HTTPResponseError {
            let status = Int(error.status.code)
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            response = Self.errorResponse(
                GraphError(status: status, code: GraphError.code(for: status), message: message), ids: ids)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            response = Self.errorResponse(
                GraphError(status: 500, code: "InternalServerError", message: "\(error)"), ids: ids)
        }
        response.headers[.requestID] = ids.requestID
        response.headers[.clientRequestID] = ids.clientRequestID
        return response
    }

    static func errorResponse(_ error: GraphError, ids: GraphRequestIDs) -> Response {
        var response = jsonResponse(
            status: error.status,
            GraphErrorEnvelope.body(code: error.code, message: error.message, ids: ids))
        if let retryAfter = error.retryAfter {
            response.headers[.retryAfter] = retryAfter
        }
        return response
    }

    static func record(_ request: Request, body: ByteBuffer) -> RecordedRequest {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            let value = field.name == .authorization ? RecordedRequest.redacted : field.value
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        let bytes = Data(body.readableBytesView)
        let json: SimulatorJSON =
            if bytes.isEmpty {
                .null
            } else if let parsed = SimulatorJSON.parse(bytes) {
                parsed
            } else {
                .string(String(decoding: bytes, as: UTF8.self))
            }
        return RecordedRequest(
            method: request.method.rawValue, path: request.uri.description, headers: headers, body: json)
    }
}

/// A JSON response with the given status.
func jsonResponse(status: Int, _ body: SimulatorJSON) -> Response {
    Response(
        status: HTTPResponse.Status(code: status),
        headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: body.compactText)))
}

extension HTTPField.Name {
    // The literals are valid header names, so these initialisers cannot fail.
    static let requestID = HTTPField.Name("request-id")!
    static let clientRequestID = HTTPField.Name("client-request-id")!
}
