import Foundation

/// The identifiers Graph attaches to every response (`request-id`, `client-request-id`).
struct GraphRequestIDs: Sendable {
    var requestID: String
    var clientRequestID: String

    /// A new `request-id`, echoing the client's `client-request-id` when it sent one.
    init(clientRequestID: String?) {
        requestID = UUID().uuidString.lowercased()
        if let clientRequestID, !clientRequestID.isEmpty {
            self.clientRequestID = clientRequestID
        } else {
            self.clientRequestID = UUID().uuidString.lowercased()
        }
    }
}

/// Builds the Graph error body `{"error":{"code","message","innerError":{date, request-id, client-request-id}}}`.
enum GraphErrorEnvelope {
    static func body(code: String, message: String, ids: GraphRequestIDs, date: Date = Date()) -> SimulatorJSON {
        .object([
            (
                "error",
                .object([
                    ("code", .string(code)),
                    ("message", .string(message)),
                    (
                        "innerError",
                        .object([
                            ("date", .string(GraphDates.errorDate(date))),
                            ("request-id", .string(ids.requestID)),
                            ("client-request-id", .string(ids.clientRequestID)),
                        ])
                    ),
                ])
            )
        ])
    }
}
