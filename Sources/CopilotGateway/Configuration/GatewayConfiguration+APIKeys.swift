import Foundation

extension GatewayConfiguration {
    /// `GATEWAY_API_KEYS` (entries separated by commas) and the lines of `GATEWAY_API_KEY_FILE`, each a
    /// key of at least 16 characters, optionally followed by `account=NAME` or a pool `account=A,B`
    /// (`A+B` also, and in `GATEWAY_API_KEYS` only that form). A key given twice is refused, with both
    /// places, as is anything else after a key (not echoed: it may be a second key).
    static func apiKeys(_ settings: inout SettingReader) -> [APIKeyBinding] {
        var bindings: [APIKeyBinding] = []
        for (index, entry) in (settings.string("GATEWAY_API_KEYS") ?? "").split(separator: ",").enumerated() {
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            bindings.append(binding(text, origin: "GATEWAY_API_KEYS entry \(index + 1)", settings: &settings))
        }
        if let file = settings.string("GATEWAY_API_KEY_FILE") {
            if let contents = try? String(contentsOfFile: file, encoding: .utf8) {
                for (index, line) in contents.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
                    let text = line.trimmingCharacters(in: .whitespaces)
                    guard !text.isEmpty, !text.hasPrefix("#") else { continue }
                    bindings.append(binding(text, origin: "\(file) line \(index + 1)", settings: &settings))
                }
            } else {
                settings.report("GATEWAY_API_KEY_FILE", file, expected: "a readable file with one API key per line")
            }
        }
        checkKeys(bindings, &settings)
        return bindings
    }

    /// Every key long enough, and none given twice.
    private static func checkKeys(_ bindings: [APIKeyBinding], _ settings: inout SettingReader) {
        if let short = bindings.first(where: { $0.key.count < 16 }) {
            let pool = short.origin.hasPrefix("GATEWAY_API_KEYS") && AccountName.isValid(short.key)
                ? " (a pool in GATEWAY_API_KEYS is written account=alice+bob: its commas separate keys)" : ""
            settings.report(
                "GATEWAY_API_KEYS", "a key of \(short.key.count) characters (\(short.origin))",
                expected: "keys of at least 16 characters (try: openssl rand -hex 24)" + pool)
        }
        var seen: [String: String] = [:]
        for binding in bindings {
            if let first = seen[binding.key] {
                settings.report("GATEWAY_API_KEYS", "the same key in \(first) and \(binding.origin)", expected: "each key once, with all its accounts on one line")
            } else {
                seen[binding.key] = binding.origin
            }
        }
    }

    /// One entry: `KEY` or `KEY account=NAME[,NAME…]` (spaces around the commas allowed).
    private static func binding(_ text: String, origin: String, settings: inout SettingReader) -> APIKeyBinding {
        let parts = text.split(whereSeparator: \.isWhitespace)
        let key = String(parts[0])
        guard parts.count > 1 else { return APIKeyBinding(key: key, accounts: nil, origin: origin) }
        let rest = parts.dropFirst().joined()
        guard rest.hasPrefix("account=") else {
            settings.report("GATEWAY_API_KEYS", "\(origin): text after the key", expected: "nothing, or account=NAME or account=NAME,NAME after the key")
            return APIKeyBinding(key: key, accounts: nil, origin: origin)
        }
        let names = rest.dropFirst("account=".count).split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "+" })
            .map(String.init)
        if names.contains(where: { !AccountName.isValid($0) }) || Set(names).count != names.count {
            settings.report(
                "GATEWAY_API_KEYS", "\(origin): account=\(names.joined(separator: ","))",
                expected: "account names of 1 to 32 lowercase letters, digits or '-', each once, separated by ',' or '+'")
        }
        return APIKeyBinding(key: key, accounts: names, origin: origin)
    }
}
