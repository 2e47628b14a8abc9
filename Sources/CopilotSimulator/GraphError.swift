/// An error the simulator answers with a Graph error envelope.
struct GraphError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var retryAfter: String?

    static func unauthenticated(_ message: String) -> GraphError {
        GraphError(status: 401, code: "InvalidAuthenticationToken", message: message)
    }

    static func badRequest(_ message: String) -> GraphError {
        GraphError(status: 400, code: "BadRequest", message: message)
    }

    static func notFound(_ message: String) -> GraphError {
        GraphError(status: 404, code: "NotFound", message: message)
    }

    static func tooLarge(_ message: String) -> GraphError {
        GraphError(status: 413, code: "RequestEntityTooLarge", message: message)
    }

    /// The Graph error code conventionally used for `status`.
    static func code(for status: Int) -> String {
        switch status {
        case 400: "BadRequest"
        case 401: "InvalidAuthenticationToken"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 413: "RequestEntityTooLarge"
        case 429: "TooManyRequests"
        case 500: "InternalServerError"
        case 503: "ServiceUnavailable"
        case 504: "GatewayTimeout"
        default: "generalException"
        }
    }

    /// The error a `status` fault produces.
    static func fault(_ fault: SimulatorFault) -> GraphError {
        let status = fault.status ?? 503
        let defaultMessage =
            switch status {
            case 429: "Please retry again later."
            case 401: "Access token has expired or is not yet valid."
            case 403: "Forbidden by a simulated fault."
            case 404: "The requested resource does not exist."
            case 504: "The gateway timed out while waiting for the response."
            default: "Simulated failure with status \(status)."
            }
        return GraphError(
            status: status, code: code(for: status), message: fault.message ?? defaultMessage,
            retryAfter: fault.retryAfter)
    }
}
