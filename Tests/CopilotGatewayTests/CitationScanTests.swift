import Testing

@testable import CopilotGateway

/// The scanner that strips citations for the conversation fingerprint gives what the regular
/// expressions it replaced gave, so fingerprints stored by earlier versions still match.
@Suite struct CitationScanTests {
    /// The earlier implementation, kept here as the reference.
    static func reference(_ text: String) -> String {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while let last = lines.last, last.allSatisfy(\.isWhitespace) || last.wholeMatch(of: /[ ]{0,3}\[[0-9]{1,9}\]:[ \t]*\S.*/) != nil {
            lines.removeLast()
        }
        var body = lines.joined(separator: "\n")
        body.replace(/\s*\[\^[^\[\]\^\s]{1,32}\^\]/, with: "")
        body.replace(/\s*\[[0-9]{1,9}\](?!\()/, with: "")
        return body.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static let pieces = [
        "a", "word", " ", "  ", "\n", "\t", "\r\n", "[", "]", "^", "(", ":", "1", "42", "[1]", "[23]", "[1](x)", "[^a^]",
        "[^1^]", "[^^]", "[1234567890]", "[^" + String(repeating: "x", count: 33) + "^]", "中文", "，", "\n[1]: https://a.example \"A\"",
        "\n   [2]: <https://b.example>", "\n[3]:", "\u{2028}", "[^ a^]",
    ]

    @Test func theScannerAgreesWithTheRegularExpressionsOnGeneratedText() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<3000 {
            let count = Int(generator.next() % 14)
            let text = (0..<count).map { _ in Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))] }.joined()
            #expect(ReplyFormatter.withoutCitations(text) == Self.reference(text), "for \(text.debugDescription)")
        }
    }

    @Test(arguments: [
        "See the report [1] and the memo[^2^].\n\n[1]: https://x.example \"X\"", "[1](https://link) stays", "  padded \n\n text  ",
        "Markers [^abc^] [12] end.", "",
    ])
    func knownCasesAgree(_ text: String) {
        #expect(ReplyFormatter.withoutCitations(text) == Self.reference(text))
    }
}
