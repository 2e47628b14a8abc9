/// One API key and the Microsoft accounts its requests may use.
public struct APIKeyBinding: Sendable, Equatable {
    public var key: String
    /// The key's pool, in order of preference; nil: every signed-in account.
    public var accounts: [String]?
    /// Where the key was given ("GATEWAY_API_KEY_FILE line 3"), for start-up errors.
    public var origin: String
    /// What logs (and the console) call the key (`label=qq-bot`), never the key itself.
    public var label: String?

    public init(key: String, accounts: [String]?, origin: String, label: String? = nil) {
        self.key = key
        self.accounts = accounts
        self.origin = origin
        self.label = label
    }

    /// Whether `text` can be a key's label: 1 to 32 ASCII letters, digits, '.', '_' or '-'.
    public static func isLabel(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }
}

/// How a pool of accounts shares out new conversations (`COPILOT_ACCOUNT_POOL`).
public enum AccountPolicy: String, Sendable {
    /// The first usable account of the pool, in the order the key names them, that has a free place
    /// among its turns; the next ones only when it cannot serve or is full (a failover pool).
    case preference
    /// The usable account with the fewest turns running, in turn on a tie (a team's shared pool).
    case spread
}
