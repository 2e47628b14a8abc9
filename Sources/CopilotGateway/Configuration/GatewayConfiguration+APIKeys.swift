import Foundation

extension GatewayConfiguration {
    /// `GATEWAY_API_KEYS` (entries separated by commas) and the lines of `GATEWAY_API_KEY_FILE`, each a
    /// key of at least 16 characters, optionally followed by `account=NAME` or a pool `account=A,B`
    /// (`A+B` also, and in `GATEWAY_API_KEYS` only that form) and `label=LABEL`. A key or a label given
    /// twice is refused, with both places, as is anything else after a key (not echoed: it may be a second key).
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
        var labels: [String: String] = [:]
        for binding in bindings {
            if let first = seen[binding.key] {
                settings.report("GATEWAY_API_KEYS", "the same key in \(first) and \(binding.origin)", expected: "each key once, with all its accounts on one line")
            } else {
                seen[binding.key] = binding.origin
            }
            guard let label = binding.label else { continue }
            if let first = labels[label] {
                settings.report("GATEWAY_API_KEYS", "the label \(label) in \(first) and \(binding.origin)", expected: "a label of its own for each key")
            } else {
                labels[label] = binding.origin
            }
        }
    }

    /// One entry: `KEY`, then optionally `account=NAME[,NAME…]` (spaces around the commas allowed) and
    /// `label=LABEL`, in either order.
    private static func binding(_ text: String, origin: String, settings: inout SettingReader) -> APIKeyBinding {
        let joined = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let parts = joined.joined(separator: ",").split(whereSeparator: \.isWhitespace)
        var binding = APIKeyBinding(key: String(parts[0]), accounts: nil, origin: origin)
        for field in parts.dropFirst() {
            if field.hasPrefix("account="), binding.accounts == nil {
                binding.accounts = pool(String(field.dropFirst("account=".count)), origin: origin, settings: &settings)
            } else if field.hasPrefix("label="), binding.label == nil {
                let label = String(field.dropFirst("label=".count))
                if !APIKeyBinding.isLabel(label) {
                    settings.report("GATEWAY_API_KEYS", "\(origin): label=\(label.prefix(40))", expected: "a label of 1 to 32 letters, digits, '.', '_' or '-'")
                }
                binding.label = label
            } else {
                settings.report("GATEWAY_API_KEYS", "\(origin): text after the key", expected: "nothing, or account=NAME[,NAME] and label=LABEL after the key")
            }
        }
        return binding
    }

    /// `A,B` or `A+B`: valid account names, each once.
    private static func pool(_ text: String, origin: String, settings: inout SettingReader) -> [String] {
        let names = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "+" }).map(String.init)
        if names.contains(where: { !AccountName.isValid($0) }) || Set(names).count != names.count {
            settings.report(
                "GATEWAY_API_KEYS", "\(origin): account=\(names.joined(separator: ","))",
                expected: "account names of 1 to 32 lowercase letters, digits or '-', each once, separated by ',' or '+'")
        }
        return names
    }
}
