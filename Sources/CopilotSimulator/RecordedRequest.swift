/// One request the simulator received under `/beta/...` or at an identity endpoint
/// (`/{tenant}/oauth2/v2.0/devicecode|token`), as returned by `GET /_sim/requests`.
public struct RecordedRequest: Codable, Sendable, Equatable {
    /// Marker stored instead of the `authorization` header's value and of secret form fields.
    public static let redacted = "[redacted]"

    /// HTTP method, e.g. `POST`.
    public var method: String
    /// Path including any query, e.g. `/beta/copilot/conversations/<id>/chat`.
    public var path: String
    /// Request headers, names lowercased; `authorization` holds ``redacted`` when it was present.
    public var headers: [String: String]
    /// The parsed JSON body; a string when it was not JSON; null when it was empty. For the identity
    /// endpoints, an object of the form fields with `refresh_token`, `device_code`, `code`,
    /// `client_secret`, `assertion` and `client_assertion*` values replaced by ``redacted``.
    public var body: SimulatorJSON
    /// When the simulator had read the request, in seconds since 1970 (for benchmarks that time
    /// what happens between the simulator and its client).
    public var receivedAt: Double?
    /// The user (UPN) whose access token a Graph or Work IQ call carried; nil for the identity
    /// endpoints and for tokens the simulator did not issue. Always present in the JSON, as null when unknown.
    public var user: String?

    /// Creates a record.
    public init(
        method: String, path: String, headers: [String: String], body: SimulatorJSON, receivedAt: Double? = nil, user: String? = nil
    ) {
        self.user = user
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    private enum CodingKeys: String, CodingKey {
        case method, path, headers, body, receivedAt, user
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encode(path, forKey: .path)
        try container.encode(headers, forKey: .headers)
        try container.encode(body, forKey: .body)
        try container.encodeIfPresent(receivedAt, forKey: .receivedAt)
        try container.encode(user, forKey: .user)
    }

    /// Whether the request carried an `authorization` header.
    public var hadAuthorization: Bool {
        headers["authorization"] != nil
    }
}
