/// One API key and the Microsoft accounts its requests may use.
public struct APIKeyBinding: Sendable, Equatable {
    public var key: String
    /// The key's pool, in order of preference; nil: every signed-in account.
    public var accounts: [String]?
    /// Where the key was given ("GATEWAY_API_KEY_FILE line 3"), for start-up errors.
    public var origin: String

    public init(key: String, accounts: [String]?, origin: String) {
        self.key = key
        self.accounts = accounts
        self.origin = origin
    }
}

/// How a pool of accounts shares out new conversations (`COPILOT_ACCOUNT_POOL`).
public enum AccountPolicy: String, Sendable {
    /// The first usable account of the pool, in the order the key names them; the next ones only when
    /// it cannot serve (a failover pool).
    case preference
    /// The usable account with the fewest turns running, in turn on a tie (a team's shared pool).
    case spread
}
