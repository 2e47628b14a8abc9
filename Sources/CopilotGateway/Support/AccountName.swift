/// An account's name: 1 to 32 lowercase ASCII letters, digits or `-` (it names a file).
public enum AccountName {
    /// The account of `TENANT_ID`/`CLIENT_ID` and `TOKEN_CACHE`: the only one a gateway had before accounts.
    public static let `default` = "default"

    public static func isValid(_ name: String) -> Bool {
        (1...32).contains(name.utf8.count)
            && name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") }
    }
}
