import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The keys clients must present, compared in constant time, each with the accounts it may use.
public struct APIKeys: Sendable {
    private let digests: [SHA256Digest]
    /// Each key's pool, by position; nil: every account.
    private let pools: [[String]?]
    /// Each key's label, by position.
    private let labels: [String?]

    public init(_ keys: [String]) {
        self.init(bindings: keys.map { APIKeyBinding(key: $0, accounts: nil, origin: "") })
    }

    public init(bindings: [APIKeyBinding]) {
        digests = bindings.map { SHA256.hash(data: Data($0.key.utf8)) }
        pools = bindings.map(\.accounts)
        labels = bindings.map(\.label)
    }

    public var isEmpty: Bool { digests.isEmpty }

    /// Every key's pool (nil: every account), for `/readyz`.
    var allPools: [[String]?] { pools }

    /// The caller a key stands for (a digest prefix, never the key), or nil when it is not one of the keys.
    func caller(presenting key: String) -> String? {
        match(key)?.caller
    }

    /// The caller a key stands for, the accounts it may use and its label, or nil when it is not one of
    /// the keys. Every key is compared, whole, whatever matches, so the time taken says nothing about the keys.
    func match(_ key: String) -> (caller: String, accounts: [String]?, label: String?)? {
        let candidate = SHA256.hash(data: Data(key.utf8))
        var match: Int?
        for (index, digest) in digests.enumerated() {
            var difference: UInt8 = 0
            for (a, b) in zip(digest, candidate) { difference |= a ^ b }
            if difference == 0 { match = index }
        }
        return match.map { ("key:" + digests[$0].prefix(8).lowercaseHex, pools[$0], labels[$0]) }
    }

    /// The key a request presents: `Authorization: Bearer …` or `x-api-key`.
    static func presented(in request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return request.headers[HTTPField.Name("x-api-key")!]
    }
}

/// Lets a request through only with one of the configured API keys, and records which caller it is,
/// so that two keys never share a conversation. Without configured keys every request passes.
struct APIKeyMiddleware: RouterMiddleware {
    let keys: APIKeys
    var metrics: GatewayMetrics?

    func handle(_ request: Request, context: GatewayRequestContext, next: (Request, GatewayRequestContext) async throws -> Response) async throws -> Response {
        guard !keys.isEmpty else { return try await next(request, context) }
        guard let presented = APIKeys.presented(in: request), let (caller, accounts, label) = keys.match(presented) else {
            metrics?.rejected(.invalidAPIKey)
            throw APIKeys.presented(in: request) == nil ? EdgeError.missingAPIKey : EdgeError.wrongAPIKey
        }
        var context = context
        context.caller = caller
        context.accounts = accounts
        // Every later log line of the request names its key: by its label, else by the caller id (a digest prefix).
        context.logger[metadataKey: "key"] = .string(label ?? caller)
        return try await next(request, context)
    }
}
