import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Records `/beta/...`, Work IQ (`/rest/...`) and identity requests (secrets redacted, with the user
/// whose token a Copilot call carried), turns thrown errors into Graph error
/// envelopes (Entra error bodies on the identity endpoints), and adds the `request-id` (identity:
/// `x-ms-request-id`) and `client-request-id` headers to every response.
struct GraphRequestMiddleware<Context: RequestContext>: RouterMiddleware {
    let simulator: CopilotSimulator

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let ids = GraphRequestIDs(clientRequestID: request.headers[.clientRequestID])
        let isIdentity = IdentityHandlers.isIdentityPath(request.uri.path)
        var response: Response
        do {
            var request = request
            if request.uri.path.hasPrefix("/beta/") || request.uri.path.hasPrefix("/rest/") || isIdentity {
                let body = try await request.collectBody(upTo: context.maxUploadSize)
                var record = Self.record(request, body: body, form: isIdentity)
                if !isIdentity { record.user = await simulator.user(ofAuthorization: request.headers[.authorization]) }
                await simulator.record(record)
            }
            response = try await next(request, context)
        } catch let error as EntraError {
            // Entra's trace id is its request id; its correlation id is the client's `client-request-id`.
            response = jsonResponse(
                status: error.status, error.body(traceID: ids.requestID, correlationID: ids.clientRequestID))
            if let retryAfter = error.retryAfter { response.headers[.retryAfter] = retryAfter }
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
        response.headers[isIdentity ? .msRequestID : .requestID] = ids.requestID
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

    /// The log entry for a request. Identity (`form`) bodies become a JSON object of their fields, and
    /// secret fields (in the body or the query) are replaced by ``RecordedRequest/redacted``.
    static func record(_ request: Request, body: ByteBuffer, form: Bool = false) -> RecordedRequest {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            let value = field.name == .authorization ? RecordedRequest.redacted : field.value
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        let bytes = Data(body.readableBytesView)
        var path = request.uri.description
        if form, let query = request.uri.query {
            path = request.uri.path + "?" + FormBody.redactedQuery(query)
        }
        let json: SimulatorJSON =
            if form {
                FormBody(String(decoding: bytes, as: UTF8.self)).redactedJSON
            } else if bytes.isEmpty {
                .null
            } else if let parsed = SimulatorJSON.parse(bytes) {
                parsed
            } else {
                .string(String(decoding: bytes, as: UTF8.self))
            }
        return RecordedRequest(
            method: request.method.rawValue, path: path, headers: headers, body: json, receivedAt: Date().timeIntervalSince1970)
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
    static let msRequestID = HTTPField.Name("x-ms-request-id")!
    static let pragma = HTTPField.Name("pragma")!
}
