import Foundation
import Testing

@testable import CopilotGateway

/// The byte scan behind `textBeforePossibleCall` must hold back exactly what the Character-based
/// reading it replaced held back (kept here as the reference).
struct PossibleCallScanTests {
    static func reference(_ text: String) -> String {
        if text.drop(while: \.isWhitespace).first == "{" { return "" }
        var cut = text.endIndex
        if let tag = text.range(of: "<tool_call", options: .caseInsensitive) { cut = tag.lowerBound }
        let marker = "<tool_call"
        for length in stride(from: min(marker.count, text.count), to: 0, by: -1) {
            let suffix = text.suffix(length)
            if marker.hasPrefix(suffix.lowercased()) {
                cut = min(cut, suffix.startIndex)
                break
            }
        }
        for partial in ["``", "`"] where text.hasSuffix(partial) {
            cut = min(cut, text.index(text.endIndex, offsetBy: -partial.count))
            break
        }
        var index = text.startIndex
        while index < cut, let open = text.range(of: "```", range: index..<cut) {
            guard let close = text.range(of: "```", range: open.upperBound..<text.endIndex) else {
                cut = open.lowerBound
                break
            }
            let body = text[open.upperBound..<close.lowerBound]
            if body.contains("\"name\"") || body.contains("'name'") {
                cut = min(cut, open.lowerBound)
                break
            }
            index = close.upperBound
        }
        return String(text[..<cut])
    }

    static let pieces = [
        "Hello ", "<tool_call>", "<TOOL_CALL>", "<tool_", "<", "<t", "`", "``", "```", "```json\n", "{\"name\": \"x\"}", "'name'", "\n", "中文",
        "😀", " {", "{", "</tool_call>", "name", "\"", "Done.",
    ]

    @Test(arguments: 0..<4)
    func theByteScanHoldsBackWhatTheCharacterReadingHeldBack(batch: UInt64) {
        var random = SeededGenerator(seed: 900 + batch)
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...8, using: &random)).map { _ in random.pick(Self.pieces) }.joined()
            #expect(ToolCallReader.textBeforePossibleCall(text) == Self.reference(text), "\(text.debugDescription)")
        }
    }
}
