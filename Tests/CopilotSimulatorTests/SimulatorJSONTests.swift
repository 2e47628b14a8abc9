import Foundation
import Testing

@testable import CopilotSimulator

@Suite struct SimulatorJSONTests {
    static let strings = [
        "", "plain", "quote \" and backslash \\", "line\nbreak\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "\"\u{301} a quote with a combining accent",
        "中文，标点。", "emoji 👩‍💻 ✨", "\u{2028}\u{2029}", "ends with a backslash \\", "\\\"\n",
    ]

    @Test(arguments: strings)
    func aStringWrittenCompactOrPrettyReadsBackTheSame(_ text: String) throws {
        let value = SimulatorJSON.object([("text", .string(text)), ("list", .array([.string(text), .number(1)]))])
        for json in [value.compactText, value.prettyText] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(object["text"] as? String == text, "\(json)")
            #expect((object["list"] as? [Any])?.first as? String == text)
        }
    }

    @Test func controlCharactersAreWrittenAsShortOrUnicodeEscapes() {
        #expect(SimulatorJSON.string("a\"b\\c\nd\u{1}").compactText == #""a\"b\\c\nd\u0001""#)
    }
}
