import Testing

@testable import CopilotGateway

/// Formatting a growing text step by step must give, at every step, what formatting it from the
/// start gives; so must the differ's byte-wise fast path.
struct ReplyFormatterProgressTests {
    static let pieces = [
        "Due Friday", "[^1^]", " [^2^]", " [^external^]", "[^", "1", "^", "]", "[", " ", "<", "Person", ">", "</", "File", "<File>",
        "Plan.docx", "</File>", "中文", "😀", "e\u{301}", "\u{301}", "\n", "a[0]", "3 < 4", "[link](x)", "👩‍👩‍👧", "<Pers",
    ]

    static func randomText(_ random: inout SeededGenerator, pieces: Int) -> String {
        (0..<pieces).map { _ in random.pick(Self.pieces) }.joined()
    }

    @Test(arguments: CitationStyle.allCases)
    func formattingAGrowingTextStepByStepEqualsFormattingEachVersionFromTheStart(style: CitationStyle) {
        let formatter = ReplyFormatter(citations: style)
        let sources = [ReplySource(title: "Notes", url: "https://x/notes"), ReplySource(title: "Plan", url: "https://x/plan")]
        var random = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            let whole = Self.randomText(&random, pieces: 30)
            var progress = ReplyFormatter.Progress()
            var end = whole.unicodeScalars.startIndex
            var raw = ""
            while end < whole.unicodeScalars.endIndex {
                end = whole.unicodeScalars.index(end, offsetBy: Int.random(in: 1...4, using: &random), limitedBy: whole.unicodeScalars.endIndex)
                    ?? whole.unicodeScalars.endIndex
                raw = String(Substring(whole.unicodeScalars[..<end]))
                if random.chance(0.05) {
                    raw = "[^1^] " + raw  // a rewrite: the text no longer extends the last one
                }
                let stepped = formatter.format(raw, sources: sources, isComplete: false, continuing: &progress)
                #expect(stepped == formatter.format(raw, sources: sources, isComplete: false), "\(raw.debugDescription)")
            }
            let complete = formatter.format(raw, sources: sources, isComplete: true, continuing: &progress)
            #expect(complete == formatter.format(raw, sources: sources, isComplete: true), "\(raw.debugDescription)")
        }
    }

    @Test func theDifferSendsOnlyWhatAGrowingTextAddsEvenWhenACharacterGrowsAcrossTheCut() {
        var differ = StreamingTextDiffer()
        #expect(differ.delta(for: "cafe") == "cafe")
        // A combining accent joins the last Character: the bytes still extend, so only it goes out.
        #expect(differ.delta(for: "cafe\u{301}") == "\u{301}")
        #expect(differ.delta(for: "cafe\u{301} 中文") == " 中文")
        #expect(differ.sent == "cafe\u{301} 中文")
        #expect(differ.delta(for: "cafe\u{301}") == "")
    }
}
