import Crypto
import Foundation

/// Seals what `POST /v1/responses/compact` made of a conversation (Copilot's summary) into a
/// `compaction` item's `encrypted_content`, and opens it again when a later request sends the item
/// back. The content is not secret from its own client (it is the client's conversation), so it is
/// signed, not encrypted: opaque to clients by contract, and tamper-evident with an HMAC-SHA256 under a
/// key kept in the state folder (`compaction.key`, mode 0600), so it survives restarts.
struct CompactionSeal: Sendable {
    private let key: SymmetricKey

    init(key: SymmetricKey) {
        self.key = key
    }

    /// A seal with a key of its own, for one process (tests, and a gateway without a state folder).
    static func ephemeral() -> CompactionSeal {
        CompactionSeal(key: SymmetricKey(size: .bits256))
    }

    /// What a compaction item holds.
    struct Content: Codable, Sendable, Equatable {
        /// Copilot's summary of the conversation compacted.
        var summary: String
        /// When it was made (Unix seconds).
        var createdAt: Int
        enum CodingKeys: String, CodingKey { case summary, createdAt = "created_at" }
    }

    static let prefix = "cgw1."

    /// `cgw1.<payload>.<signature>`, both base64url.
    func seal(_ content: Content) -> String {
        let payload = (try? GatewayJSON.encoder().encode(content)) ?? Data()
        let signature = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return Self.prefix + Self.base64URL(payload) + "." + Self.base64URL(Data(signature))
    }

    /// The content of an item this gateway sealed, or nil when it did not seal it (another key, another
    /// server, or changed on the way).
    func open(_ sealed: String) -> Content? {
        guard sealed.hasPrefix(Self.prefix) else { return nil }
        let parts = sealed.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.data(base64URL: parts[0]), let signature = Self.data(base64URL: parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: key)
        else { return nil }
        return try? JSONDecoder().decode(Content.self, from: payload)
    }

    /// The seal whose key is in `folder`/compaction.key, made on first use (the folder too, mode 0700).
    static func stored(inFolder folder: String) throws(CompactionKeyError) -> CompactionSeal {
        let path = folder + "/compaction.key"
        let text: String
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if !FileManager.default.fileExists(atPath: path) {
                let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
                _ = try AtomicFile.create(Data(fresh.base64EncodedString().utf8), at: path)
            }
            text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .unusable(path: path, reason: "\(error)")
        }
        guard let bytes = Data(base64Encoded: text), bytes.count >= 32 else { throw .damaged(path: path) }
        return CompactionSeal(key: SymmetricKey(data: bytes))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}

/// The compaction key file cannot be used.
public enum CompactionKeyError: Error, CustomStringConvertible {
    case damaged(path: String)
    case unusable(path: String, reason: String)

    public var description: String {
        switch self {
        case .damaged(let path):
            "The compaction key \(path) is damaged: remove it (compaction items made with it can then no longer be read)."
        case .unusable(let path, let reason):
            "The compaction key \(path) cannot be made or read (\(reason)). Check that STATE_DIR is a writable folder of this user."
        }
    }
}
