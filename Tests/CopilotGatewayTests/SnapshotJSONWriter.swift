/// Writes random `chatOverStream` snapshots as JSON, in the many ways a sender may write the same
/// value: fields in any order, unknown fields, compact or pretty-printed, characters raw or escaped
/// (`\/`, `\u00e9`, surrogate pairs), for the scanner's property tests.
struct SnapshotJSONWriter {
    var random: SeededGenerator
    /// Chooses how each character is escaped; fixed for one stream, so a growing text keeps the
    /// escaped form of what it had.
    var escapeStyle: UInt32
    var pretty: Bool

    init(seed: UInt64) {
        random = SeededGenerator(seed: seed)
        escapeStyle = UInt32.random(in: 0..<1000, using: &random)
        pretty = random.chance(0.3)
    }

    static let pieces = [
        "plain words ", "流式输出的长回答", "😀", "👩‍👩‍👧", "e\u{301}", "\"quoted\"", "back\\slash", "\t", "\n", "/",
        "\u{0}", "\u{1F}", "[^1^]", " [^external^]", "<File>Plan.docx</File>", "é", "\u{2028}", "x", " ", "🇯🇵", "한국어",
    ]

    mutating func text(pieces count: Int) -> String {
        (0..<count).map { _ in random.pick(Self.pieces) }.joined()
    }

    // MARK: Values

    mutating func space() -> String {
        guard pretty else { return random.chance(0.1) ? " " : "" }
        return random.pick(["", " ", "\n", "\n  ", "\r\n\t"])
    }

    func quoted(_ text: String) -> String {
        var output = "\""
        for (position, scalar) in text.unicodeScalars.enumerated() {
            let choice = (UInt32(position) &* 7 &+ escapeStyle) % 3
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "/": output += choice == 0 ? "\\/" : "/"
            case "\n": output += choice == 0 ? "\\u000a" : "\\n"
            case "\t": output += choice == 0 ? "\\u0009" : "\\t"
            case _ where scalar.value < 0x20: output += "\\u" + Self.hex(scalar.value)
            case _ where scalar.value >= 0x80 && choice == 1:
                if scalar.value > 0xFFFF {
                    let value = scalar.value - 0x10000
                    output += "\\u" + Self.hex(0xD800 + (value >> 10)) + "\\u" + Self.hex(0xDC00 + (value & 0x3FF))
                } else {
                    output += "\\u" + Self.hex(scalar.value)
                }
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    mutating func object(_ members: [(String, String)]) -> String {
        let shuffled = members.shuffled(using: &random)
        let body = shuffled.map { space() + quoted($0.0) + space() + ":" + space() + $0.1 }.joined(separator: ",")
        return "{" + body + space() + "}"
    }

    mutating func array(_ elements: [String]) -> String {
        "[" + elements.map { space() + $0 }.joined(separator: ",") + space() + "]"
    }

    /// A value of any kind, for fields the gateway does not read.
    mutating func anyValue(depth: Int = 0) -> String {
        switch Int.random(in: 0..<(depth < 3 ? 8 : 6), using: &random) {
        case 0: return quoted(text(pieces: Int.random(in: 0..<3, using: &random)))
        case 1: return random.pick(["0", "-12", "3.25", "1e9", "-0.5E-3", "12345678901234567890"])
        case 2: return random.pick(["true", "false"])
        case 3: return "null"
        case 4: return quoted("")
        case 5: return "[]"
        case 6: return array((0..<Int.random(in: 1..<4, using: &random)).map { _ in anyValue(depth: depth + 1) })
        default:
            return object((0..<Int.random(in: 0..<3, using: &random)).map { ("k\($0)", anyValue(depth: depth + 1)) })
        }
    }

    mutating func unknownMembers() -> [(String, String)] {
        (0..<Int.random(in: 0..<3, using: &random)).map { ("extra\($0)_\(random.pick(["@odata.type", "x", "createdDateTime"]))", anyValue()) }
    }

    // MARK: Snapshots

    mutating func optionalString(_ value: String?) -> String { value.map { quoted($0) } ?? "null" }

    mutating func attributions() -> String? {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return nil
        case 1: return "null"
        case 2: return "[]"
        case 3: return "\"not a list\""
        case 4: return "{}"
        default:
            let entry = object([
                ("attributionType", quoted("citation")), ("providerDisplayName", quoted(text(pieces: 2))),
                ("seeMoreWebUrl", random.chance(0.5) ? quoted("https://contoso.sharepoint.com/a b") : "7"),
            ])
            return array([entry, random.chance(0.3) ? "3" : entry])
        }
    }

    mutating func references() -> String? {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return nil
        case 1: return "{}"
        case 2: return "[]"
        case 3: return "null"
        default: return object([("ref1", object([("targetLink", quoted("https://x/y")), ("isCitedInResponse", "true")]))])
        }
    }

    mutating func message(id: String?, text: String?) -> String {
        var members: [(String, String)] = [("id", optionalString(id))]
        if let text { members.append(("text", quoted(text))) } else if random.chance(0.5) { members.append(("text", "null")) }
        if let attributions = attributions() { members.append(("attributions", attributions)) }
        if let references = references() { members.append(("references", references)) }
        return object(members + unknownMembers())
    }

    /// A snapshot whose messages are `messages` (id, text), with the conversation's other fields.
    mutating func snapshot(messages: [(String?, String?)]?, final: Bool) -> String {
        var members: [(String, String)] = [("id", quoted("conv-1"))]
        if random.chance(0.8) { members.append((random.chance(0.8) ? "state" : "status", quoted(random.pick(["active", "disengagedForRai"])))) }
        members.append(("displayName", final ? quoted("A title") : quoted("Intermediate Conversation Update")))
        members.append(("turnCount", final ? "1" : random.pick(["0", "null"])))
        if let messages {
            members.append(("messages", array(messages.map { message(id: $0.0, text: $0.1) })))
        } else if random.chance(0.5) {
            members.append(("messages", "null"))
        }
        return space() + object(members + unknownMembers()) + space()
    }
}
