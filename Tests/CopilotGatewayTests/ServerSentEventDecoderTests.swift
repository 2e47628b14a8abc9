import Testing

@testable import CopilotGateway

@Suite struct ServerSentEventDecoderTests {
    /// Feeds `pieces` one after another and collects every event, including the flush at the end.
    func decode(_ pieces: [String]) -> [ServerSentEventDecoder.Event] {
        var decoder = ServerSentEventDecoder()
        var events: [ServerSentEventDecoder.Event] = []
        for piece in pieces { events += decoder.feed(Array(piece.utf8)) }
        return events + decoder.finish()
    }

    @Test func decodesGraphFramingWithIDLinesAndTrailingSpaces() {
        let events = decode(["data: {\"a\":1}\nid:1 \n\ndata: {\"a\":2}\nid:2\n\n"])
        #expect(events == [.init(data: "{\"a\":1}", id: "1"), .init(data: "{\"a\":2}", id: "2")])
    }

    @Test func joinsAnEventSplitAcrossNetworkReads() {
        let whole = "data: {\"text\":\"héllo wörld\"}\nid:7 \n\n"
        let bytes = Array(whole.utf8)
        // Every split point, including inside the multi-byte characters.
        for cut in 1..<bytes.count {
            var decoder = ServerSentEventDecoder()
            var events = decoder.feed(bytes[..<cut])
            events += decoder.feed(bytes[cut...])
            events += decoder.finish()
            #expect(events == [.init(data: "{\"text\":\"héllo wörld\"}", id: "7")], "split at byte \(cut)")
        }
    }

    @Test func handlesCRLFLineEndsEvenWhenCRAndLFArriveSeparately() {
        #expect(decode(["data: x\r", "\nid:1\r\n\r", "\ndata: y\r\n\r\n"]) == [.init(data: "x", id: "1"), .init(data: "y", id: nil)])
    }

    @Test func joinsMultiLineDataWithNewlines() {
        #expect(decode(["data: {\"a\":\ndata: 1}\n\n"]) == [.init(data: "{\"a\":\n1}", id: nil)])
    }

    @Test func acceptsDataWithoutASpaceAfterTheColon() {
        #expect(decode(["data:{\"a\":1}\n\n"]) == [.init(data: "{\"a\":1}", id: nil)])
    }

    @Test func ignoresCommentsKeepAlivesEventAndRetryLines() {
        #expect(decode([": keep-alive\n\nevent: message\nretry: 100\ndata: x\n\n: ping\n\n"]) == [.init(data: "x", id: nil)])
    }

    @Test func emitsALastEventThatHasNoBlankLineAfterIt() {
        #expect(decode(["data: first\n\ndata: last\nid:9 "]) == [.init(data: "first", id: nil), .init(data: "last", id: "9")])
    }

    @Test func keepsContinuationLinesWithoutDataPrefixAsPartOfTheData() {
        let events = decode(["data: {\"messages\": [\n  {\"text\": \"hi\"}\n]}\nid:3\n\n"])
        #expect(events == [.init(data: "{\"messages\": [\n  {\"text\": \"hi\"}\n]}", id: "3")])
    }

    @Test func keepsVeryLongDataLines() {
        let long = String(repeating: "a", count: 200_000)
        #expect(decode(["data: \(long.prefix(70_000))", "\(long.dropFirst(70_000))\n\n"]).first?.data.count == 200_000)
    }

    @Test func splitsBackToBackJSONObjectsAndLeavesOthersWhole() {
        #expect(JSONValueSplitter.split("{\"a\":\"}{\"}\n{\"b\":[1,2]}") == ["{\"a\":\"}{\"}", "{\"b\":[1,2]}"])
        #expect(JSONValueSplitter.split("{\"a\":1}") == ["{\"a\":1}"])
        #expect(JSONValueSplitter.split("[DONE]") == ["[DONE]"])
        #expect(JSONValueSplitter.split("{\"id\":\"x\",\"messages\":[") == ["{\"id\":\"x\",\"messages\":["])
    }
}

extension ServerSentEventDecoder.Event {
    init(data: String, id: String?) { self.init(bytes: Array(data.utf8), id: id) }
}
