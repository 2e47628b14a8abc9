extension SimulatorJSON {
    /// Compact JSON on a single line, keys in insertion order.
    public var compactText: String {
        var output = ""
        write(into: &output, indent: nil, level: 0)
        return output
    }

    /// Pretty JSON over several lines (two-space indent), keys in insertion order.
    public var prettyText: String {
        var output = ""
        write(into: &output, indent: "  ", level: 0)
        return output
    }

    private func write(into output: inout String, indent: String?, level: Int) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .number(let value):
            output += Self.format(value)
        case .string(let value):
            Self.writeString(value, into: &output)
        case .array(let values):
            writeContainer(values.map { (nil, $0) }, open: "[", close: "]", into: &output, indent: indent, level: level)
        case .object(let members):
            writeContainer(
                members.map { ($0.0, $0.1) }, open: "{", close: "}", into: &output, indent: indent, level: level)
        }
    }

    private func writeContainer(
        _ items: [(String?, SimulatorJSON)], open: String, close: String,
        into output: inout String, indent: String?, level: Int
    ) {
        output += open
        guard !items.isEmpty else {
            output += close
            return
        }
        for (index, (key, value)) in items.enumerated() {
            if index > 0 { output += "," }
            if let indent { output += "\n" + String(repeating: indent, count: level + 1) }
            if let key {
                Self.writeString(key, into: &output)
                output += indent == nil ? ":" : ": "
            }
            value.write(into: &output, indent: indent, level: level + 1)
        }
        if let indent { output += "\n" + String(repeating: indent, count: level) }
        output += close
    }

    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if let integer = Int64(exactly: value) { return String(integer) }
        return String(value)
    }

    private static func writeString(_ value: String, into output: inout String) {
        output += "\""
        // Runs without anything to escape are copied whole; only ASCII is escaped, so every cut
        // falls on a scalar boundary.
        let scalars = value.unicodeScalars
        var runStart = scalars.startIndex
        var index = runStart
        while index != scalars.endIndex {
            let scalar = scalars[index]
            let next = scalars.index(after: index)
            if scalar.value < 0x20 || scalar == "\"" || scalar == "\\" {
                output += Substring(scalars[runStart..<index])
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                default:
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                runStart = next
            }
            index = next
        }
        output += Substring(scalars[runStart..<scalars.endIndex])
        output += "\""
    }
}
