import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The keys clients must present, compared in constant time.
public struct APIKeys: Sendable {
    private let digests: [SHA256Digest]

    public init(_ keys: [String]) {
        digests = keys.map { SHA256.hash(data: Data($0.utf8)) }
    }

    public var isEmpty: Bool { digests.isEmpty }

    /// The caller a key stands for (a digest prefix, never the key), or nil when it is not one of the keys.
    /// Every key is compared, whole, whatever matches, so the time taken says nothing about the keys.
    func caller(presenting key: String) -> String? {
        let candidate = SHA256.hash(data: Data(key.utf8))
        var match: SHA256Digest?
        for digest in digests {
            var difference: UInt8 = 0
            for (a, b) in zip(digest, candidate) { difference |= a ^ b }
            if difference == 0 { match = digest }
        }
        return match.map { "key:" + $0.prefix(8).lowercaseHex }
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
        guard let presented = APIKeys.presented(in: request), let caller = keys.caller(presenting: presented) else {
            metrics?.rejected(.invalidAPIKey)
            throw APIKeys.presented(in: request) == nil ? EdgeError.missingAPIKey : EdgeError.wrongAPIKey
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}
