import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct FaultTests {
    @Test func statusFaultFiresCountTimesWithRetryAfterThenStops() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"status","status":429,"count":2,"retryAfter":"2.128","endpoint":"chat"}"#)
            try await client.execute(uri: "/_sim/faults", method: .get) { response in
                #expect(response.json?.arrayValue?.first?["count"] == 2)
            }
            for _ in 0..<2 {
                let response = try await client.chat(id, chatBody("hi"))
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "2.128")
                #expect(response.json?["error"]?["code"] == "TooManyRequests")
            }
            let ok = try await client.chat(id, chatBody("hi"))
            #expect(ok.status == .ok)
            #expect(ok.headers[.retryAfter] == nil)
            #expect(await simulator.pendingFaults.isEmpty)
            // The failed attempts were not turns.
            #expect(ok.json?["turnCount"] == 1)
        }
    }

    @Test func statusFaultCodesFollowTheStatus() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let cases = [
                (503, "ServiceUnavailable"), (500, "InternalServerError"), (403, "Forbidden"),
                (504, "GatewayTimeout"), (418, "generalException"),
            ]
            for (status, code) in cases {
                await simulator.addFault(SimulatorFault(kind: .status, endpoint: .create, status: status))
                try await client.execute(
                    uri: "/beta/copilot/conversations", method: .post, headers: bearer, body: ByteBuffer(string: "{}")
                ) { response in
                    #expect(response.status.code == status)
                    #expect(response.json?["error"]?["code"] == .string(code))
                }
            }
        }
    }

    @Test func faultsOnlyHitTheirEndpoint() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"status","status":503,"endpoint":"stream"}"#)
            try await client.addFault(#"{"kind":"cut"}"#)
            #expect(try await client.chat(id, chatBody("hi")).status == .ok)
            #expect(await simulator.pendingFaults.count == 2)
            #expect(try await client.stream(id, chatBody("hi")).status == .serviceUnavailable)
            #expect(await simulator.pendingFaults.map(\.kind) == [.cut])
        }
    }

    @Test func invalidFaultsAreRejectedClearly() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            for body in [#"{"kind":"explode"}"#, #"{"kind":"status"}"#, #"{"kind":"cut","endpoint":"nowhere"}"#, #"{"kind":"huge","length":0}"#, "nope", "{}"] {
                try await client.execute(uri: "/_sim/faults", method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.json?["error"]?["code"] == "BadRequest")
                }
            }
            try await client.execute(uri: "/_sim/faults", method: .post, body: ByteBuffer(string: #"{"kind":"explode"}"#)) {
                #expect($0.json?["error"]?["message"]?.stringValue?.contains("unknown fault kind 'explode'") == true)
            }
            try await client.addFault(#"{"kind":"crlf"}"#)
            try await client.execute(uri: "/_sim/faults", method: .delete) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/_sim/faults", method: .get) { #expect($0.json == []) }
        }
    }

    @Test func cutClosesTheStreamWithoutAFinalSnapshot() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"cut","afterEvents":4}"#)
            let events = parseSSE(try await client.stream(id, chatBody("cut me")).text)
            #expect(events.count == 4)
            #expect(events.allSatisfy { $0.json?["displayName"] == "Intermediate Conversation Update" })
        }
    }

    @Test func malformedInsertsInvalidJSONAfterTheWarmUp() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 3, eventDelay: .zero))
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"malformed"}"#)
            let events = parseSSE(try await client.stream(id, chatBody("break it")).text)
            #expect(events.count == 8)
            #expect(events[0].json != nil)
            #expect(events[1].json == nil)
            #expect(events[1].id == "2")
            #expect(events.last?.json?["turnCount"] == 1)
        }
    }

    @Test func rewriteSendsAPartialThatIsNotAPrefixExtension() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"rewrite"}"#)
            let events = parseSSE(try await client.stream(id, chatBody("rewrite me")).text)
            let texts = events.compactMap(partialText)
            let rewrites = zip(texts, texts.dropFirst()).filter { !$1.hasPrefix($0) }
            #expect(rewrites.count == 1)
            #expect(rewrites.first?.1.contains(" [1]") == true)
            let finalText = try #require(events.last?.json?["messages"]?.arrayValue?.last?["text"]?.stringValue)
            #expect(finalText.contains(" [1]"))
            #expect(texts.last == finalText)
            #expect(await simulator.conversation(id: id)?.turns.last?.reply == finalText)
        }
    }

    @Test func shrinkSendsOneEmptyPartialThenKeepsGrowing() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"shrink"}"#)
            let texts = parseSSE(try await client.stream(id, chatBody("shrink me")).text).compactMap(partialText)
            #expect(texts.filter(\.isEmpty).count == 1)
            let index = try #require(texts.firstIndex(of: ""))
            #expect(index > 0 && texts[index + 1].count > 0)
        }
    }

    @Test func raiDisengagesTheConversation() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"rai"}"#)
            let final = try #require(parseSSE(try await client.stream(id, chatBody("bad request")).text).last?.json)
            #expect(final["state"] == "disengagedForRai")
            #expect(final["messages"]?.arrayValue?.last?["text"] == .string(SimulatedReplies.refusalText))
            let later = try await client.chat(id, chatBody("again"))
            #expect(later.status == .badRequest)
            #expect(later.json?["error"]?["message"]?.stringValue?.contains("disengaged") == true)
        }
    }

    @Test func raiAlsoWorksOnSyncChat() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"rai","endpoint":"chat"}"#)
            let reply = try #require(try await client.chat(id, chatBody("bad")).json)
            #expect(reply["state"] == "disengagedForRai")
            #expect(try await client.stream(id, chatBody("again")).status == .badRequest)
        }
    }

    @Test func crlfUsesCRLFAndKeepAliveComments() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"crlf"}"#)
            let text = try await client.stream(id, chatBody("crlf")).text
            #expect(text.contains("\r\n: keep-alive\r\n"))
            #expect(text.hasSuffix("\r\n\r\n"))
            let bytes = Array(text.utf8)
            let bareLineFeeds = bytes.indices.filter { bytes[$0] == 10 && ($0 == 0 || bytes[$0 - 1] != 13) }
            #expect(bareLineFeeds.isEmpty)
            #expect(parseSSE(text).last?.json?["turnCount"] == 1)
        }
    }

    @Test func inbandErrorEndsTheStreamAfterTwoPartials() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"inbandError"}"#)
            let events = parseSSE(try await client.stream(id, chatBody("fail")).text)
            #expect(events.count == 4)
            #expect(events.last?.json?["error"]?["code"] == "InternalServerError")
            #expect(await simulator.conversation(id: id)?.turnCount == 0)
        }
    }

    @Test func prettyFinalSnapshotSpansLinesWithoutDataPrefix() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"pretty"}"#)
            let text = try await client.stream(id, chatBody("pretty")).text
            #expect(text.contains("data: {\n  \"@odata.context\""))
            let final = try #require(parseSSE(text).last)
            #expect(final.data.contains("\n"))
            #expect(final.json?["turnCount"] == 1)
        }
    }

    @Test func quirkFaultsChangeHeadersAndEnding() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"contentType"}"#)
            try await client.addFault(#"{"kind":"noTrailingBlankLine"}"#)
            let response = try await client.stream(id, chatBody("quirks"))
            #expect(response.headers[.contentType] == "event/stream")
            #expect(response.text.hasSuffix("\nid:12\n"))
            #expect(!response.text.hasSuffix("\n\n"))
        }
    }

    @Test func emptyReplyStreamsNoText() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"emptyReply","count":2}"#)
            let events = parseSSE(try await client.stream(id, chatBody("silence")).text)
            #expect(events.dropLast().allSatisfy { $0.json?["messages"] == [] })
            #expect(events.last?.json?["messages"]?.arrayValue?.last?["text"] == "")
            let sync = try await client.chat(id, chatBody("silence"))
            #expect(sync.json?["messages"]?.arrayValue?.last?["text"] == "")
        }
    }

    @Test func hugeRepliesAreExactAndStreamDataLinesOver64KiB() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"huge","length":100000,"count":2}"#)
            let expected = SimulatorJSON.string(SimulatedReplies.hugeText(length: 100_000))
            #expect(SimulatedReplies.hugeText(length: 100_000).count == 100_000)
            let sync = try await client.chat(id, chatBody("long"))
            #expect(sync.json?["messages"]?.arrayValue?.last?["text"] == expected)
            let stream = try await client.stream(id, chatBody("long"))
            let longestLine = stream.text.split(separator: "\n").map(\.utf8.count).max() ?? 0
            #expect(longestLine > 64 << 10)
            #expect(parseSSE(stream.text).last?.json?["messages"]?.arrayValue?.last?["text"] == expected)
            // Used up: the next reply is an ordinary one.
            #expect(try await client.chat(id, chatBody("short")).text.utf8.count < 10_000)
        }
    }

    @Test func delayHoldsTheAnswer() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try await client.addFault(#"{"kind":"delay","delayMs":150,"endpoint":"create"}"#)
            let clock = ContinuousClock()
            let start = clock.now
            _ = try await client.createConversation()
            #expect(clock.now - start >= .milliseconds(150))
        }
    }
}
