/// A one-shot (or `count`-shot) misbehaviour, the same JSON as `POST /_sim/faults`:
/// `{"kind":"status","count":1,"endpoint":"any","status":503,"retryAfter":"2"}`.
public struct SimulatorFault: Codable, Sendable, Equatable {
    /// What the fault does.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case status, delay, cut, malformed, rewrite, shrink, rai, inbandError, crlf, pretty
        case noTrailingBlankLine, contentType, emptyReply
        /// The next refresh-token grant fails with `invalid_grant` (AADSTS `code`, default 700082).
        case invalidGrant
        /// The next device-code poll gets `slow_down`.
        case slowDown
        /// The next device-code poll gets `expired_token`.
        case expiredToken
        /// The next chat turn writes its tool calls or JSON answer untidily (prose, code fence, trailing comma),
        /// as ``SimulatorOptions/messyOutput`` does for every turn.
        case messy
        /// The next chat turn answers in plain prose, ignoring any tool choice or JSON mode: a model that
        /// does not follow the format (with `count: 2`, also not when the gateway asks again).
        case prose
        /// The next chat turn's reply is ``SimulatedReplies/hugeText(length:)`` of `length` characters
        /// (default 200,000): a stream's full-text snapshot is then one `data:` line of several hundred KiB.
        case huge

        /// The endpoints on which this kind can have an effect.
        var applicableEndpoints: Set<SimulatorEndpoint> {
            switch self {
            case .status, .delay: Set(SimulatorEndpoint.allCases)
            case .rai, .emptyReply, .messy, .prose, .huge: [.chat, .stream]
            case .invalidGrant: [.refreshGrant]
            case .slowDown, .expiredToken: [.deviceCodeGrant]
            default: [.stream]
            }
        }

        /// Whether the kind exists only for the identity endpoints.
        var isIdentityKind: Bool {
            applicableEndpoints.allSatisfy(\.isIdentity)
        }
    }

    /// Which requests a fault applies to. `any` means every endpoint the kind can affect, except that
    /// `status` and `delay` faults reach the identity endpoints (`devicecode`, `token`) only when named,
    /// so that a Graph retry test is not used up by a token refresh.
    public enum Endpoint: String, Codable, Sendable, CaseIterable {
        case create, chat, stream, any
        /// `POST /{tenant}/oauth2/v2.0/devicecode`.
        case devicecode
        /// `POST /{tenant}/oauth2/v2.0/token`, every grant type.
        case token
    }

    /// What the fault does.
    public var kind: Kind
    /// How many matching requests it affects before it is gone (default 1).
    public var count: Int
    /// Which endpoint it targets (default `any`).
    public var endpoint: Endpoint
    /// `status`: the HTTP status to answer with.
    public var status: Int?
    /// `status`: the `Retry-After` header value, sent verbatim (e.g. "2" or "2.128").
    public var retryAfter: String?
    /// `status`: overrides the error message.
    public var message: String?
    /// `delay`: milliseconds to wait before answering normally.
    public var delayMs: Int?
    /// `cut`: number of events sent before the stream is closed (default 3).
    public var afterEvents: Int?
    /// `invalidGrant`: the AADSTS number (default 700082, refresh token inactive for 90 days).
    public var code: Int?
    /// `huge`: the reply's length in characters (default 200,000).
    public var length: Int?
    /// Only requests whose access token is this user's (a UPN) meet the fault; nil: everyone's.
    public var user: String?

    /// Creates a fault.
    public init(
        kind: Kind, count: Int = 1, endpoint: Endpoint = .any, status: Int? = nil, retryAfter: String? = nil,
        message: String? = nil, delayMs: Int? = nil, afterEvents: Int? = nil, code: Int? = nil, length: Int? = nil,
        user: String? = nil
    ) {
        self.user = user
        self.kind = kind
        self.count = count
        self.endpoint = endpoint
        self.status = status
        self.retryAfter = retryAfter
        self.message = message
        self.delayMs = delayMs
        self.afterEvents = afterEvents
        self.code = code
        self.length = length
    }

    private enum CodingKeys: String, CodingKey {
        case kind, count, endpoint, status, retryAfter, message, delayMs, afterEvents, code, length, user
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kindName = try container.decode(String.self, forKey: .kind)
        guard let kind = Kind(rawValue: kindName) else {
            throw Self.invalid(
                .kind, in: container,
                "unknown fault kind '\(kindName)'; expected one of \(Self.names(Kind.allCases))")
        }
        let endpointName = try container.decodeIfPresent(String.self, forKey: .endpoint) ?? "any"
        guard let endpoint = Endpoint(rawValue: endpointName) else {
            throw Self.invalid(
                .endpoint, in: container,
                "unknown endpoint '\(endpointName)'; expected one of \(Self.names(Endpoint.allCases))")
        }
        let count = try container.decodeIfPresent(Int.self, forKey: .count) ?? 1
        guard count >= 1 else { throw Self.invalid(.count, in: container, "count must be at least 1") }
        let status = try container.decodeIfPresent(Int.self, forKey: .status)
        if kind == .status {
            guard let status, (400...599).contains(status) else {
                throw Self.invalid(.status, in: container, "a 'status' fault needs a 'status' between 400 and 599")
            }
        }
        let code = try container.decodeIfPresent(Int.self, forKey: .code)
        if let code, code <= 0 { throw Self.invalid(.code, in: container, "code must be a positive AADSTS number") }
        let length = try container.decodeIfPresent(Int.self, forKey: .length)
        if let length, !(1...SimulatedReplies.maxHugeLength).contains(length) {
            throw Self.invalid(.length, in: container, "length must be between 1 and \(SimulatedReplies.maxHugeLength) characters")
        }
        self.init(
            kind: kind, count: count, endpoint: endpoint, status: status,
            retryAfter: try container.decodeIfPresent(String.self, forKey: .retryAfter),
            message: try container.decodeIfPresent(String.self, forKey: .message),
            delayMs: try container.decodeIfPresent(Int.self, forKey: .delayMs),
            afterEvents: try container.decodeIfPresent(Int.self, forKey: .afterEvents),
            code: code, length: length, user: try container.decodeIfPresent(String.self, forKey: .user))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(count, forKey: .count)
        try container.encode(endpoint.rawValue, forKey: .endpoint)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encodeIfPresent(retryAfter, forKey: .retryAfter)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encodeIfPresent(delayMs, forKey: .delayMs)
        try container.encodeIfPresent(afterEvents, forKey: .afterEvents)
        try container.encodeIfPresent(code, forKey: .code)
        try container.encodeIfPresent(length, forKey: .length)
        try container.encodeIfPresent(user, forKey: .user)
    }

    /// Whether this fault affects a request to `target` made with `requester`'s token (nil: not a user's).
    func matches(_ target: SimulatorEndpoint, requester: String? = nil) -> Bool {
        guard kind.applicableEndpoints.contains(target) else { return false }
        if let user, user.lowercased() != requester?.lowercased() { return false }
        if endpoint == .any { return !target.isIdentity || kind.isIdentityKind }
        return endpoint == target.faultEndpoint
    }

    private static func names<Value: RawRepresentable<String>>(_ values: [Value]) -> String {
        values.map(\.rawValue).joined(separator: ", ")
    }

    private static func invalid(
        _ key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>, _ message: String
    ) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
    }
}

/// The endpoints (and token grants) a fault can target.
enum SimulatorEndpoint: String, Sendable, Hashable, CaseIterable {
    case create, chat, stream
    case devicecode
    /// The token endpoint with `grant_type=urn:ietf:params:oauth:grant-type:device_code`.
    case deviceCodeGrant
    /// The token endpoint with `grant_type=refresh_token`.
    case refreshGrant
    /// The token endpoint with any other (or no) grant type.
    case otherGrant

    var isIdentity: Bool {
        switch self {
        case .create, .chat, .stream: false
        case .devicecode, .deviceCodeGrant, .refreshGrant, .otherGrant: true
        }
    }

    /// The `endpoint` value of a fault that names this target.
    var faultEndpoint: SimulatorFault.Endpoint {
        switch self {
        case .create: .create
        case .chat: .chat
        case .stream: .stream
        case .devicecode: .devicecode
        case .deviceCodeGrant, .refreshGrant, .otherGrant: .token
        }
    }
}
