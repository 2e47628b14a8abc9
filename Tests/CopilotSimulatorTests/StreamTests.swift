import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct StreamTests {
    @Test func framingUsesDataAndIdLinesWithoutDoneOrEventLines() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 5, eventDelay: .zero))
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let response = try await client.stream(id, chatBody("Stream me something"))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let text = response.text
            #expect(!text.contains("[DONE]"))
            #expect(!text.contains("event:"))
            #expect(!text.contains("\r"))
            #expect(text.hasSuffix("\n\n"))
            #expect(text.hasPrefix("data: {\"@odata.context\":"))

            let events = parseSSE(text)
            // warm-up + 5 partials + full partial + trailing intermediate + final
            #expect(events.count == 9)
            for (index, event) in events.enumerated() {
                let number = index + 1
                #expect(event.id == (number % 2 == 1 ? "\(number) " : "\(number)"))
                let json = try #require(event.json)
                #expect(json["@odata.context"] != nil)
                #expect(json["agentId"] == .null)
                #expect(!event.data.contains("\n"))
            }
            // Every block is exactly: data line, id line, blank line.
            for block in text.split(separator: "\n\n") {
                let lines = block.split(separator: "\n")
                #expect(lines.count == 2 && lines[0].hasPrefix("data: ") && lines[1].hasPrefix("id:"))
            }
        }
    }

    @Test func partialsGrowCumulativelyWithAStableReplyID() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 8, eventDelay: .zero))
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let prompt = "Tell me about streaming"
            let expected = SimulatedReplies.reply(to: prompt, conversationText: [])
            let events = parseSSE(try await client.stream(id, chatBody(prompt)).text)
            let jsons = try events.map { try #require($0.json) }

            let warmUp = jsons[0]
            #expect(warmUp["displayName"] == "Intermediate Conversation Update")
            #expect(warmUp["turnCount"] == 0)
            #expect(warmUp["messages"] == [])

            let partials = Array(jsons[1...8])
            let texts = partials.compactMap { $0["messages"]?.arrayValue?.first?["text"]?.stringValue }
            #expect(texts.count == 8)
            for (previous, next) in zip(texts, texts.dropFirst()) {
                #expect(next.hasPrefix(previous) && next.count > previous.count)
            }
            #expect(texts.allSatisfy { expected.text.hasPrefix($0) && $0 != expected.text })
            let replyIDs = Set(partials.compactMap { $0["messages"]?.arrayValue?.first?["id"]?.stringValue })
            #expect(replyIDs.count == 1)

            let full = jsons[9]
            let fullMessage = try #require(full["messages"]?.arrayValue?.first)
            #expect(fullMessage["text"] == .string(expected.text))
            #expect(fullMessage["adaptiveCards"] == .array([GraphPayloads.adaptiveCard(text: expected.text)]))
            #expect(fullMessage["attributions"]?.arrayValue?.count == expected.attributions.count)

            #expect(jsons[10]["messages"] == [])
            #expect(jsons[10]["displayName"] == "Intermediate Conversation Update")

            let final = jsons[11]
            #expect(jsons.count == 12)
            #expect(final["displayName"] == .string(prompt))
            #expect(final["turnCount"] == 1)
            #expect(final["state"] == "active")
            let messages = try #require(final["messages"]?.arrayValue)
            #expect(messages.count == 2)
            #expect(messages[0]["text"] == .string(prompt))
            #expect(messages[0]["adaptiveCards"] == [])
            #expect(messages[1]["text"] == .string(expected.text))
            #expect(messages[1]["id"] == fullMessage["id"])
            #expect(replyIDs.first == messages[1]["id"]?.stringValue)
        }
    }

    @Test(arguments: SimulatorOptions.DeltaStreaming.allCases)
    func aTurnAskingForDeltaStreamingGetsDeltasWholeTextsOrA400AsConfigured(mode: SimulatorOptions.DeltaStreaming) async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 8, eventDelay: .zero, deltaStreaming: mode))
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let prompt = "Tell me about streaming"
            let expected = SimulatedReplies.reply(to: prompt, conversationText: [])
            let body = ByteBuffer(string: #"{"message":{"text":"\#(prompt)"},"locationHint":{"timeZone":"UTC"},"responseOptions":{"isDeltaStreamingEnabled":true}}"#)
            let response = try await client.stream(id, body)
            guard mode != .refuse else {
                #expect(response.status == .badRequest)
                #expect(response.text.contains("responseOptions"))
                return
            }
            let jsons = try parseSSE(response.text).map { try #require($0.json) }
            let partials = jsons.dropLast().compactMap { $0["messages"]?.arrayValue?.first?["text"]?.stringValue }
            let final = try #require(jsons.last?["messages"]?.arrayValue?.last?["text"]?.stringValue)
            #expect(final == expected.text)
            if mode == .honour {
                #expect(partials.joined() == expected.text)
                #expect(partials.dropFirst().allSatisfy { !$0.hasPrefix(partials[0]) })
            } else {
                #expect(partials.last == expected.text)
            }
        }
    }

    @Test func theLogTimesAStreamFromItsRequestToItsFirstText() async throws {
        let (simulator, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 3, eventDelay: .milliseconds(60)))
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let before = Date().timeIntervalSince1970
            let events = parseSSE(try await client.stream(id, chatBody("Time me")).text)
            let after = Date().timeIntervalSince1970
            // The first event has no messages; the second is the first with text, one delay later.
            #expect(events.first?.json?["messages"] == [])
            let received = try #require(await simulator.recordedRequests.last?.receivedAt)
            let firstText = try #require(await simulator.streams.lastFirstTextAt)
            #expect(before <= received && received <= firstText && firstText <= after)
            #expect(firstText - received >= 0.055)
        }
    }

    @Test func aliasPathStreamsAndTurnsAccumulateWithChat() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            _ = try await client.chat(id, chatBody("The codeword is zebra"))
            let response = try await client.stream(
                id, chatBody("codeword please"), path: "microsoft.graph.copilot.chatOverStream")
            #expect(response.status == .ok)
            let final = try #require(parseSSE(response.text).last?.json)
            #expect(final["turnCount"] == 2)
            #expect(final["displayName"] == "The codeword is zebra")
            #expect(final["messages"]?.arrayValue?.last?["text"] == "The codeword is zebra.")
        }
    }

    @Test func streamStartsEachTurnAtIDOne() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            _ = try await client.stream(id, chatBody("one"))
            let second = parseSSE(try await client.stream(id, chatBody("two")).text)
            #expect(second.first?.id == "1 ")
        }
    }

    @Test func prefixesSplitOnCharacterBoundariesAndPreferSpaces() {
        let text = "Hi 👩‍👩‍👧 family, café au lait ✨ and more words to split here"
        let prefixes = StreamScript.growingPrefixes(of: text, count: 6)
        #expect(prefixes.count == 6)
        for prefix in prefixes {
            #expect(text.hasPrefix(prefix) && prefix.count < text.count)
        }
        #expect(prefixes.filter { text.dropFirst($0.count).first == " " }.count >= 4)
        #expect(StreamScript.growingPrefixes(of: "x", count: 4).isEmpty)
        #expect(StreamScript.growingPrefixes(of: "", count: 4).isEmpty)
    }

    /// Whether `prefix` ends inside a citation marker: `[`, `[^`, `[^1` or `[^1^`.
    func endsInsideMarker(_ prefix: String) -> Bool {
        prefix.firstMatch(of: /\[(\^[0-9A-Za-z]*\^?)?$/) != nil
    }

    @Test func prefixesCutInsideTheFirstCitationMarker() {
        let text = "Alpha beta gamma delta epsilon[^1^] zeta eta theta iota kappa lambda[^2^]."
        for count in [1, 2, 4, 8] {
            let prefixes = StreamScript.growingPrefixes(of: text, count: count)
            #expect(prefixes == StreamScript.growingPrefixes(of: text, count: count))
            #expect(prefixes.filter(endsInsideMarker).count == 1, "count \(count): \(prefixes)")
            for (previous, next) in zip([""] + prefixes, prefixes) {
                #expect(next.hasPrefix(previous) && next.count > previous.count && next.count < text.count)
            }
        }
        #expect(StreamScript.firstMarker(in: Array(text)) == 30..<35)
        #expect(StreamScript.firstMarker(in: Array("no [marker] here, [^ nor ^] here [^x")) == nil)
    }

    @Test func theCutInsideAMarkerFallsAtEveryPositionAcrossReplies() {
        var endings: Set<String> = []
        for number in 0..<40 {
            let reply = SimulatedReplies.reply(to: "Question \(number)", conversationText: [])
            guard reply.text.contains("[^1^]") else { continue }
            let prefixes = StreamScript.growingPrefixes(of: reply.text, count: 5)
            let inside = prefixes.filter(endsInsideMarker)
            #expect(inside.count == 1)
            if let cut = inside.first { endings.insert(String(cut.suffix(from: cut.lastIndex(of: "[") ?? cut.startIndex))) }
        }
        #expect(endings == ["[", "[^", "[^1", "[^1^"])
    }

    @Test func aCitedReplyStreamsASnapshotThatEndsInsideAMarker() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 5, eventDelay: .zero))
        try await app.test(.router) { client in
            let prompt = try #require((0..<20).map { "cite me \($0)" }.first { SimulatedReplies.stableHash($0) % 2 == 0 })
            let id = try await client.createConversation()
            let texts = parseSSE(try await client.stream(id, chatBody(prompt)).text).compactMap(partialText)
            #expect(texts.contains(where: endsInsideMarker))
            #expect(texts.last == SimulatedReplies.reply(to: prompt, conversationText: []).text)
        }
    }

    @Test func slowStreamPausesBetweenEvents() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 2, eventDelay: .milliseconds(20)))
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let clock = ContinuousClock()
            let start = clock.now
            let events = parseSSE(try await client.stream(id, chatBody("pace me")).text)
            #expect(events.count == 6)
            #expect(clock.now - start >= .milliseconds(100))
        }
    }
}
