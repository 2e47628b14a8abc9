import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the gateway keeps of a sign-in: the account, the tokens and what they are for.
public struct CachedSignIn: Codable, Sendable, Equatable {
    public var version = 1
    public var tenant: String
    public var clientID: String
    public var scopes: [String]
    public var account: AccountInfo?
    public var accessToken: String?
    public var accessTokenExpiresAt: Date?
    /// Seconds the access token was issued for, to refresh it a fair share of its life early.
    public var accessTokenLifetime: Int?
    public var refreshToken: String?
    public var grantedScopes: String?
    public var updatedAt: Date
    /// Why the account is signed out, when Microsoft stopped accepting its refresh token.
    public var signedOutReason: String?
    /// Where the account's turns go; nil (a cache from before accounts had upstreams): Graph.
    public var upstream: CopilotAPI?

    /// Whether this sign-in can still produce access tokens.
    public var isSignedIn: Bool { refreshToken != nil || (accessTokenExpiresAt.map { $0 > Date() } ?? false) }
}

/// Why the token cache could not be read.
public enum TokenCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case corrupt(path: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "The token cache \(path) cannot be read (\(reason)). Check its owner and permissions, or sign in again."
        case .corrupt(let path):
            "The token cache \(path) is not a token cache the gateway wrote (it may be damaged). Sign in again; the damaged file is kept as \(path).corrupt."
        case .unwritable(let path, let reason):
            "The token cache \(path) cannot be written (\(reason)). Check that its folder exists and is writable, or set TOKEN_CACHE."
        }
    }
}

/// The token cache file: JSON, mode 0600, replaced atomically (temporary file, fsync, rename), so a
/// crash or a full disk never leaves a half-written cache behind.
public struct TokenCacheFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The saved sign-in, or nil when there is none.
    public func load() throws(TokenCacheError) -> CachedSignIn? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: Self.reason(error))
        }
        guard let cached = try? Self.decoder.decode(CachedSignIn.self, from: data) else { throw .corrupt(path: path) }
        tightenPermissions()
        return cached
    }

    /// Checks that the cache can be written, before a sign-in whose tokens would otherwise be lost:
    /// makes its folder (0700) if it is missing, then creates and removes a file in it.
    public func checkWritable() throws(TokenCacheError) {
        _ = try makeDirectory()
        let probe = "\(path).check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        close(descriptor)
        unlink(probe)
    }

    /// Replaces the cache with `signIn`. A damaged cache found in the way is kept beside it.
    public func save(_ signIn: CachedSignIn) throws(TokenCacheError) {
        let data: Data
        do {
            data = try Self.encoder.encode(signIn)
        } catch {
            throw .unwritable(path: path, reason: "encoding failed")
        }
        _ = try makeDirectory()
        if case .corrupt = Result(catching: { () throws(TokenCacheError) in try load() }).failure {
            _ = try? FileManager.default.removeItem(atPath: path + ".corrupt")
            _ = try? FileManager.default.copyItem(atPath: path, toPath: path + ".corrupt")
        }
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw .unwritable(path: path, reason: error.reason)
        }
    }

    /// The cache's folder, made (0700) if it is missing.
    private func makeDirectory() throws(TokenCacheError) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw .unwritable(path: path, reason: Self.reason(error))
        }
        return directory
    }

    /// Removes the cache; true if there was one.
    @discardableResult
    public func remove() throws(TokenCacheError) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .unwritable(path: path, reason: Self.reason(error))
        }
        return true
    }

    /// When the file last changed, to notice a sign-in written by another process (`copilot-gateway login`).
    var modificationDate: Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// A cache someone made readable to others is put back to 0600.
    private func tightenPermissions() {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0
        else { return }
        chmod(path, 0o600)
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
