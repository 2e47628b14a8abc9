import Foundation

/// Supplies the delegated Graph access token for each upstream call.
public protocol AccessTokenProvider: Sendable {
    /// A token that is valid now, or an error that says how to sign in.
    func accessToken() async throws -> String
    /// Graph answered 401 to `token`: the next `accessToken()` should not return it again.
    func tokenWasRejected(_ token: String) async
    /// Whether tokens can be had now without a new sign-in: a signed-out account is passed over by
    /// the accounts that could serve a turn instead.
    var isSignedIn: Bool { get async }
    /// When the current access token expires, where that is known (`/metrics`).
    var tokenExpiry: Date? { get async }
}

extension AccessTokenProvider {
    public func tokenWasRejected(_ token: String) async {}
    public var isSignedIn: Bool { get async { true } }
    public var tokenExpiry: Date? { get async { nil } }
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
    public var isSignedIn: Bool { get async { false } }
    public func accessToken() async throws -> String {
        throw UpstreamError.notSignedIn(
            "The gateway is not signed in to Microsoft 365: sign in with `copilot-gateway login` (TENANT_ID and CLIENT_ID must be set), set COPILOT_ACCESS_TOKEN, or run `copilot-gateway serve --simulator` to try it without an account.")
    }
}
