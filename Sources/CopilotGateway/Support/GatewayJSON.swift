import Foundation

/// How the gateway writes JSON: stable key order, no escaped slashes.
enum GatewayJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}
