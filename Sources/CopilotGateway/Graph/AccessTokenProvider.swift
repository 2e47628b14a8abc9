/// Supplies the delegated Graph access token for each upstream call.
public protocol AccessTokenProvider: Sendable {
    /// A token that is valid now, or an error that says how to sign in.
    func accessToken() async throws -> String
}

/// A fixed token: `COPILOT_ACCESS_TOKEN`, or the simulator's.
public struct StaticAccessTokenProvider: AccessTokenProvider {
    let token: String
    public init(token: String) { self.token = token }
    public func accessToken() async throws -> String { token }
}

/// No way to get a token: every chat request answers 401 with how to fix it.
public struct MissingAccessTokenProvider: AccessTokenProvider {
    public init() {}
    public func accessToken() async throws -> String {
        throw UpstreamError.notSignedIn
    }
}
