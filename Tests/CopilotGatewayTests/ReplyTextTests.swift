import Foundation
import Testing

@testable import CopilotGateway

@Suite struct StreamingTextDifferTests {
    func deltas(_ snapshots: [String]) -> (deltas: [String], sent: String) {
        var differ = StreamingTextDiffer()
        let deltas = snapshots.map { differ.delta(for: $0) }
        return (deltas, differ.sent)
    }

    @Test func sendsOnlyTheNewSuffixOfGrowingSnapshots() {
        let result = deltas(["Hel", "Hello", "Hello wor", "Hello world"])
        #expect(result.deltas == ["Hel", "lo", " wor", "ld"])
    }

    @Test func sendsNothingWhenASnapshotRepeats() {
        #expect(deltas(["Hello", "Hello", "Hello!"]).deltas == ["Hello", "", "!"])
    }

    @Test func sendsNothingWhenASnapshotRegressesAndResumesAfterIt() {
        let result = deltas(["Hello world", "Hello", "", "Hello world and more"])
        #expect(result.deltas == ["Hello world", "", "", " and more"])
        #expect(result.sent == "Hello world and more")
    }

    @Test func keepsSentTextWhenUpstreamInsertsMarkersIntoIt() {
        let result = deltas(["Hello world", "Hello [1] world, and then", "Hello [1] world, and then more."])
        #expect(result.deltas == ["Hello world", ", and then", " more."])
        #expect(result.sent == "Hello world, and then more.")
    }

    @Test func keepsSentTextWhenUpstreamRemovesPartOfIt() {
        let result = deltas(["Hello [1] world", "Hello world more"])
        #expect(result.sent == "Hello [1] world more")
    }

    @Test func waitsWhileARewriteCannotBeAlignedAndNeverRepeatsText() {
        let result = deltas(["The answer is", "Completely different", "The answer is 42."])
        #expect(result.deltas == ["The answer is", "", " 42."])
    }
}

@Suite struct ReplyFormatterTests {
    @Test func keepsTheInnerTextOfEntityTags() {
        #expect(ReplyFormatter.format("Ask <Person>Ada Lovelace</Person> about <File>Plan.docx</File>.", isComplete: true)
            == "Ask Ada Lovelace about Plan.docx.")
    }

    @Test func rewritesNumberedCitationsAndDropsExternalOnes() {
        #expect(ReplyFormatter.format("Due Friday[^1^] and Monday [^2^]. From notes [^external^].", isComplete: true)
            == "Due Friday[1] and Monday [2]. From notes.")
    }

    @Test func leavesOrdinaryAngleBracketsAndBracketsAlone() {
        #expect(ReplyFormatter.format("3 < 4, <b>bold</b>, [link](x) and a[0]", isComplete: true) == "3 < 4, <b>bold</b>, [link](x) and a[0]")
    }

    @Test func holdsBackUnfinishedMarkupWhileStreaming() {
        #expect(ReplyFormatter.format("Ask <Pers", isComplete: false) == "Ask ")
        #expect(ReplyFormatter.format("Due Friday[^1", isComplete: false) == "Due Friday")
        #expect(ReplyFormatter.format("Due Friday[", isComplete: false) == "Due Friday")
        #expect(ReplyFormatter.format("Due Friday[", isComplete: true) == "Due Friday[")
    }

    @Test func streamedFormattingNeverSplitsATagAcrossChunks() {
        let raw = "Meet <Person>Ada</Person> today[^1^]."
        var differ = StreamingTextDiffer()
        var sent = ""
        for end in raw.indices.dropFirst() {
            sent += differ.delta(for: ReplyFormatter.format(String(raw[..<end]), isComplete: false))
        }
        sent += differ.delta(for: ReplyFormatter.format(raw, isComplete: true))
        #expect(sent == "Meet Ada today[1].")
    }
}

@Suite struct ReplyTrackerTests {
    func conversation(_ messages: [(String, String)], final: Bool = false, state: String = "active") -> GraphConversation {
        GraphConversation(
            id: "c", state: state, status: nil,
            displayName: final ? "prompt" : GraphConversation.intermediateDisplayName,
            turnCount: final ? 1 : 0,
            messages: messages.map { GraphMessage(id: $0.0, text: $0.1) })
    }

    @Test func takesTheReplyNotTheEchoFromTheFinalSnapshot() {
        var tracker = ReplyTracker(prompt: "ping")
        tracker.ingest(conversation([("e", "ping"), ("r", "pong")], final: true))
        #expect(tracker.rawText == "pong")
        #expect(tracker.sawFinalSnapshot)
    }

    @Test func locksOntoTheReplyIDFromPartialSnapshots() {
        var tracker = ReplyTracker(prompt: "ping")
        tracker.ingest(conversation([]))
        tracker.ingest(conversation([("r", "po")]))
        tracker.ingest(conversation([("e", "ping"), ("r", "pong")], final: true))
        #expect(tracker.replyID == "r")
        #expect(tracker.rawText == "pong")
    }

    @Test func ignoresALoneEchoOfThePrompt() {
        var tracker = ReplyTracker(prompt: "ping  me")
        #expect(tracker.ingest(conversation([("e", "ping me")])) == false)
        #expect(tracker.rawText == "")
    }

    @Test func notesAResponsibleAIDisengagement() {
        var tracker = ReplyTracker(prompt: "x")
        tracker.ingest(conversation([("e", "x"), ("r", "Sorry.")], final: true, state: "disengagedForRai"))
        #expect(tracker.disengaged)
    }
}

@Suite struct CitationStyleTests {
    static let raw = "Due Friday[^1^] and Monday [^2^]. From notes [^external^]. Ask <Person>Ada</Person>."
    static let sources = [
        ReplySource(title: "Sprint plan", url: "https://contoso.sharepoint.com/plan.docx"),
        ReplySource(title: "Standup \"notes\"", url: "https://teams.microsoft.com/l/meeting?id=1"),
    ]

    func format(_ style: CitationStyle, _ raw: String = raw, sources: [ReplySource] = sources, isComplete: Bool = true) -> String {
        ReplyFormatter(citations: style).format(raw, sources: sources, isComplete: isComplete)
    }

    @Test func markdownLinksCitedNumbersWithReferenceDefinitions() {
        #expect(format(.markdown) == """
            Due Friday[1] and Monday [2]. From notes. Ask Ada.

            [1]: <https://contoso.sharepoint.com/plan.docx> "Sprint plan"
            [2]: <https://teams.microsoft.com/l/meeting?id=1> "Standup \\"notes\\""
            """)
    }

    @Test func stripRemovesEveryMarkerWithTheSpaceBeforeIt() {
        #expect(format(.strip) == "Due Friday and Monday. From notes. Ask Ada.")
    }

    @Test func rawKeepsMarkersAsCopilotWroteThem() {
        #expect(format(.raw) == "Due Friday[^1^] and Monday [^2^]. From notes [^external^]. Ask Ada.")
    }

    @Test func definitionsOnlyWhenTheReplyIsComplete() {
        #expect(format(.markdown, isComplete: false) == "Due Friday[1] and Monday [2]. From notes. Ask Ada.")
        #expect(format(.raw).contains("]: <") == false)
        #expect(format(.strip).contains("]: <") == false)
    }

    @Test func definitionsFollowFirstAppearanceAndSkipMarkersWithoutASource() {
        let text = format(.markdown, "B[^2^], A[^1^], B again[^2^], C[^3^].")
        #expect(text == """
            B[2], A[1], B again[2], C[3].

            [2]: <https://teams.microsoft.com/l/meeting?id=1> "Standup \\"notes\\""
            [1]: <https://contoso.sharepoint.com/plan.docx> "Sprint plan"
            """)
    }

    @Test func noDefinitionsWithoutSourcesForTheCitedNumbers() {
        #expect(format(.markdown, "Only C[^3^].") == "Only C[3].")
        #expect(format(.markdown, sources: []) == "Due Friday[1] and Monday [2]. From notes. Ask Ada.")
        #expect(format(.markdown, "No markers at all.") == "No markers at all.")
    }

    @Test func definitionsComeAfterExactlyOneBlankLine() {
        let source = [ReplySource(title: "", url: "https://x.example/a b<c>")]
        #expect(format(.markdown, "See[^1^].\n", sources: source) == "See[1].\n\n[1]: <https://x.example/a%20b%3Cc%3E>")
        #expect(format(.markdown, "See[^1^].\n\n", sources: source) == "See[1].\n\n[1]: <https://x.example/a%20b%3Cc%3E>")
    }

    @Test func staticConvenienceIsMarkdownWithoutSources() {
        for complete in [true, false] {
            #expect(ReplyFormatter.format(Self.raw, isComplete: complete) == format(.markdown, sources: [], isComplete: complete))
        }
    }

    /// Every cut point of the reply, streamed through the differ as the chat service does it.
    func streamed(_ style: CitationStyle, _ raw: String) -> (sent: String, partials: [String]) {
        let formatter = ReplyFormatter(citations: style)
        var differ = StreamingTextDiffer()
        var partials: [String] = []
        for end in raw.indices.dropFirst() {
            let partial = formatter.format(String(raw[..<end]), sources: Self.sources, isComplete: false)
            partials.append(partial)
            _ = differ.delta(for: partial)
        }
        _ = differ.delta(for: formatter.format(raw, sources: Self.sources, isComplete: true))
        return (differ.sent, partials)
    }

    @Test(arguments: CitationStyle.allCases)
    func aMarkerSplitAtAnyPointIsNeverShownHalf(style: CitationStyle) {
        let raws = [
            Self.raw,
            "Notes [^external^] and <File>Plan.docx</File> [^1^][^2^] end [^1^]",
            "Spaces  [^external^]  twice, a lone [ bracket, [^not a marker^] and 3 < 4 > 2 [^2^]",
            "Trailing external [^external^]",
        ]
        for raw in raws {
            let complete = format(style, raw)
            let (sent, partials) = streamed(style, raw)
            #expect(sent == complete, "\(style): \(raw)")
            // Where the markers of the complete text lie: no snapshot may end strictly inside one.
            let markers = complete.matches(of: /\[[0-9]+\]|\[\^[A-Za-z0-9]+\^\]/).map {
                complete.distance(from: complete.startIndex, to: $0.range.lowerBound)..<complete.distance(from: complete.startIndex, to: $0.range.upperBound)
            }
            for partial in partials {
                #expect(complete.hasPrefix(partial), "\(style): \(partial)")
                let end = partial.count
                #expect(!markers.contains { $0.lowerBound < end && end < $0.upperBound }, "\(style): half a marker in \(partial)")
                #expect(partial.firstMatch(of: /<\/?[A-Za-z]*$/) == nil || partial.hasSuffix("3 <"), "\(style): half a tag in \(partial)")
            }
        }
    }

    @Test func withoutCitationsMakesTheMarkdownReplyEqualToTheRawReplyWithoutMarkers() {
        let markdown = format(.markdown)
        let raw = format(.raw)
        let expected = "Due Friday and Monday. From notes. Ask Ada."
        #expect(ReplyFormatter.withoutCitations(markdown) == expected)
        #expect(ReplyFormatter.withoutCitations(raw) == expected)
        #expect(ReplyFormatter.withoutCitations(format(.strip)) == expected)
        #expect(ReplyFormatter.withoutCitations("  Two\n\nlines [3]  here.\r\n[1]: <https://a> \"t\"\n") == "Two lines here.")
        #expect(ReplyFormatter.withoutCitations("A [link](https://x) and a[1][2].") == "A [link](https://x) and a.")
    }
}

@Suite struct ReplySourceTests {
    func message(_ json: String) throws -> GraphMessage {
        try JSONDecoder().decode(GraphMessage.self, from: Data(json.utf8))
    }

    @Test func citationsAreTheSourcesAndAnnotationsAreNot() throws {
        let decoded = try message("""
            {"id":"r","text":"Hi <Person>Ada</Person>[^1^][^2^]","attributions":[
              {"attributionType":"annotation","attributionSource":"model","providerDisplayName":"",
               "seeMoreWebUrl":"https://www.office.com/search?q=Ada&EntityRepresentationId=1","imageWidth":0},
              {"attributionType":"citation","attributionSource":"grounding","providerDisplayName":"Plan",
               "seeMoreWebUrl":"https://contoso.sharepoint.com/plan.docx","imageWebUrl":"","extra":{"x":1}},
              {"attributionType":"citation","attributionSource":"model","providerDisplayName":"No link","seeMoreWebUrl":""},
              {"attributionType":"citation","attributionSource":"model","seeMoreWebUrl":"https://example.com/b"}
            ]}
            """)
        #expect(decoded.attributions?.count == 4)
        #expect(decoded.sources == [
            ReplySource(title: "Plan", url: "https://contoso.sharepoint.com/plan.docx"),
            ReplySource(title: "", url: "https://example.com/b"),
        ])
    }

    @Test func workIQReferencesAreTheFallback() throws {
        let decoded = try message("""
            {"id":"r","text":"x","references":{
              "2":{"targetLink":"https://b.example","isCitedInResponse":true,"sensitivityLabel":{"displayName":null}},
              "1":{"targetLink":"https://a.example"},
              "10":{"targetLink":"https://c.example","isCitedInResponse":false},
              "3":{"sensitivityLabel":{}}
            }}
            """)
        #expect(decoded.sources.map(\.url) == ["https://a.example", "https://b.example", "https://c.example"])
        #expect(decoded.sources.allSatisfy { $0.title.isEmpty })

        let both = try message("""
            {"attributions":[{"attributionType":"citation","providerDisplayName":"A","seeMoreWebUrl":"https://a"}],
             "references":{"1":{"targetLink":"https://ref"}}}
            """)
        #expect(both.sources == [ReplySource(title: "A", url: "https://a")])

        let onlyAnnotations = try message("""
            {"attributions":[{"attributionType":"annotation","seeMoreWebUrl":"https://entity"}],
             "references":{"1":{"targetLink":"https://ref"}}}
            """)
        #expect(onlyAnnotations.sources == [ReplySource(title: "", url: "https://ref")])
    }

    @Test(arguments: [
        #"{"id":"r","text":"hi"}"#,
        #"{"id":"r","text":"hi","attributions":null,"references":null}"#,
        #"{"id":"r","text":"hi","attributions":"oops","references":[1,2]}"#,
        #"{"id":"r","text":"hi","attributions":{"a":1},"references":"x"}"#,
        #"{"id":"r","text":"hi","attributions":[1,"two",null,{"attributionType":5,"seeMoreWebUrl":["x"]}],"references":{"1":5}}"#,
    ])
    func aMessageWithMissingOrMalformedListsStillDecodes(json: String) throws {
        let decoded = try message(json)
        #expect(decoded.id == "r")
        #expect(decoded.text == "hi")
        #expect(decoded.sources.isEmpty)
    }

    @Test func aConversationWithAMalformedAttributionListStillDecodes() throws {
        let json = #"{"id":"c","turnCount":1,"displayName":"p","messages":[{"id":"e","text":"p","attributions":[]},{"id":"r","text":"a","attributions":7}]}"#
        let conversation = try JSONDecoder().decode(GraphConversation.self, from: Data(json.utf8))
        #expect(conversation.messages?.last?.text == "a")
    }

    @Test func theTrackerKeepsTheLatestNonEmptySources() {
        let source = GraphAttribution(attributionType: "citation", attributionSource: "grounding", providerDisplayName: "Plan", seeMoreWebUrl: "https://a")
        func snapshot(_ text: String, _ attributions: [GraphAttribution]?, final: Bool = false) -> GraphConversation {
            let reply = GraphMessage(id: "r", text: text, attributions: attributions)
            return GraphConversation(
                id: "c", state: "active", status: nil, displayName: final ? "p" : GraphConversation.intermediateDisplayName,
                turnCount: final ? 1 : 0, messages: final ? [GraphMessage(id: "e", text: "p"), reply] : [reply])
        }
        var tracker = ReplyTracker(prompt: "p")
        tracker.ingest(snapshot("Due", nil))
        #expect(tracker.sources.isEmpty)
        let changed = tracker.ingest(snapshot("Due Friday[^1^]", [source]))
        #expect(changed)
        #expect(tracker.sources == [ReplySource(title: "Plan", url: "https://a")])
        let changedAgain = tracker.ingest(snapshot("Due Friday[^1^]", [], final: true))
        #expect(!changedAgain)
        #expect(tracker.sources == [ReplySource(title: "Plan", url: "https://a")])
        #expect(tracker.sawFinalSnapshot)
    }
}

extension ReplyFormatter {
    /// The `markdown` text of `raw` without sources, for the tests that check markup alone.
    static func format(_ raw: String, isComplete: Bool) -> String {
        ReplyFormatter(citations: .markdown).format(raw, sources: [], isComplete: isComplete)
    }
}
