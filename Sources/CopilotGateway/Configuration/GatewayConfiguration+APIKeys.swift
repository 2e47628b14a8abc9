import Foundation

extension GatewayConfiguration {
    /// `GATEWAY_API_KEYS` (entries separated by commas) and the lines of `GATEWAY_API_KEY_FILE`, each a
    /// key of at least 16 characters, optionally followed by `account=NAME` or a pool `account=A,B`
    /// (`A+B` also, and in `GATEWAY_API_KEYS` only that form).
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
        if let short = bindings.first(where: { $0.key.count < 16 }) {
            settings.report("GATEWAY_API_KEYS", "a key of \(short.key.count) characters (\(short.origin))", expected: "keys of at least 16 characters (try: openssl rand -hex 24)")
        }
        return bindings
    }

    /// One entry: `KEY` or `KEY account=NAME[,NAME…]`.
    private static func binding(_ text: String, origin: String, settings: inout SettingReader) -> APIKeyBinding {
        let parts = text.split(whereSeparator: \.isWhitespace)
        let key = String(parts[0])
        guard parts.count > 1 else { return APIKeyBinding(key: key, accounts: nil, origin: origin) }
        let rest = parts.dropFirst().joined()
        guard rest.hasPrefix("account="), parts.count == 2 else {
            settings.report("GATEWAY_API_KEYS", "\(origin): \"\(rest.prefix(40))\" after the key", expected: "nothing, or account=NAME or account=NAME,NAME after the key")
            return APIKeyBinding(key: key, accounts: nil, origin: origin)
        }
        let names = rest.dropFirst("account=".count).split(whereSeparator: { $0 == "," || $0 == "+" }).map(String.init)
        let bad = names.filter { !AccountName.isValid($0) }
        if names.isEmpty || !bad.isEmpty || Set(names).count != names.count {
            settings.report("GATEWAY_API_KEYS", "\(origin): account=\(names.joined(separator: ","))", expected: "account names of 1 to 32 lowercase letters, digits or '-', each once")
        }
        return APIKeyBinding(key: key, accounts: names, origin: origin)
    }
}
