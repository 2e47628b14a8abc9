import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// Every failure reaches the client in OpenAI's error shape with a fitting status.
@Suite struct ErrorRouteTests {
    @Test(arguments: [
        ("{not json", nil as String?, "not valid JSON"),
        (#"{"model":"copilot"}"#, "messages", "Missing required parameter: 'messages'"),
        (#"{"messages":[{"role":"user","content":"hi"}]}"#, "model", "Missing required parameter: 'model'"),
        (#"{"model":"copilot","messages":[{"role":"user","content":"hi"}],"temperature":3}"#, "temperature", "must be at most 2"),
        (#"{"model":"copilot","messages":"hi"}"#, "messages", "expected an array"),
        (#"{"model":"copilot","messages":[{"role":"user","content":5}]}"#, "messages[0].content", "messages[0].content"),
        (#"{"model":"copilot","messages":[{"role":"robot","content":"hi"}]}"#, "messages[0].role", "robot"),
        (#"{"model":"copilot","messages":[{"role":"user","content":"hi"}],"stream":"yes"}"#, "stream", "expected a boolean, but got a string instead"),
        (#"{"model":"copilot","messages":[]}"#, "messages", "at least one message"),
        (#"{"model":"copilot","messages":[{"role":"user","content":""}]}"#, "messages", "no text"),
        (#"{"model":"copilot","messages":[{"role":"user","content":"hi"}],"n":2}"#, "n", "`n` must be 1"),
    ])
    func badRequestsAnswer400NamingTheField(body: String, param: String?, phrase: String) async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chatRaw(body)
            #expect(response.status == .badRequest)
            let error = try response.openAIError
            #expect(error["type"] as? String == "invalid_request_error")
            #expect((error["param"] as? String) == param)
            #expect((error["message"] as? String)?.contains(phrase) == true, "\(error["message"] ?? "")")
            #expect(await simulator.recordedRequests.isEmpty, "a bad request must not reach Copilot")
        }
    }

    @Test func aMessageOverCopilotsLimitIs400ContextLengthExceededAndNotRetried() async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chat(["messages": [["role": "user", "content": String(repeating: "long ", count: 3300)]]])
            #expect(response.status == .badRequest)
            let error = try response.openAIError
            #expect(error["code"] as? String == "context_length_exceeded")
            #expect((error["message"] as? String)?.contains("maximum context length") == true)
            #expect(await simulator.turnConversations().count == 1)
        }
    }

    @Test func unknownPathsAndModelsAnswerOpenAIShaped404s() async throws {
        try await GatewayHarness.run { client, _ in
            for (uri, method, code) in [("/v1/no-such-endpoint", HTTPRequest.Method.post, "not_found"), ("/v1/models/no-such-model", .get, "model_not_found")] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .notFound)
                #expect(try response.openAIError["code"] as? String == code)
            }
        }
    }

    @Test func anUpstream503ThatPersistsReachesTheClientAsAnOpenAIError() async throws {
        try await GatewayHarness.run { client, simulator in
            // The gateway retries once; both attempts fail.
            await simulator.addFault(.init(kind: .status, count: 2, status: 503))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .serviceUnavailable)
            #expect(try response.openAIError["type"] as? String == "api_error")
            // The faults are used up; the next request works.
            #expect(try await client.chat(["messages": [["role": "user", "content": "hi"]]]).status == .ok)
        }
    }

    @Test func anUpstream503BeforeAStreamStartsIsAnHTTPErrorNotAStream() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, count: 2, endpoint: .stream, status: 503))
            let response = try await client.chat(["stream": true, "messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .serviceUnavailable)
            #expect(try response.openAIError["code"] as? String == "upstream_unavailable")
        }
    }

    @Test func throttlingPassesRetryAfterThroughRoundedUp() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, endpoint: .chat, status: 429, retryAfter: "2.128"))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "3")
            let error = try response.openAIError
            #expect(error["type"] as? String == "rate_limit_error")
            let message = try #require(error["message"] as? String)
            #expect(message.contains("Copilot answered 429 TooManyRequests: Please retry again later [Graph request-id "))
            #expect(message.hasSuffix("]. Copilot is throttling this account; retry later."))
        }
    }

    @Test(arguments: [(401, HTTPResponse.Status.unauthorized, "COPILOT_ACCESS_TOKEN"), (403, .forbidden, "licence"), (500, .badGateway, "500"), (504, .gatewayTimeout, "504")])
    func upstreamStatusesMapToFittingStatusesWithAHint(upstream: Int, status: HTTPResponse.Status, hint: String) async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, count: 2, endpoint: .create, status: upstream))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == status)
            #expect((try response.openAIError["message"] as? String)?.contains(hint) == true)
        }
    }

    @Test func aMissingTokenAnswers401SayingHowToSignIn() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_ACCESS_TOKEN": ""]) { client, simulator in
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .unauthorized)
            #expect(try response.openAIError["code"] as? String == "not_signed_in")
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }

    @Test func anUnreachableCopilotAnswers502() async throws {
        try await GatewayHarness.run(environment: ["GRAPH_BASE_URL": "http://127.0.0.1:1"]) { client, _ in
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .badGateway)
            #expect(try response.openAIError["code"] as? String == "upstream_unreachable")
        }
    }

    @Test func aSlowCopilotAnswers504AfterTheTimeout() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_TIMEOUT": "1"]) { client, simulator in
            await simulator.addFault(.init(kind: .delay, count: 2, endpoint: .chat, delayMs: 3000))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .gatewayTimeout)
            #expect(try response.openAIError["code"] as? String == "upstream_timeout")
        }
    }

    @Test func aContinuedConversationThatIsGoneIsReplacedBeforeAnswering() async throws {
        try await GatewayHarness.run { client, simulator in
            let opening: [String: Any] = ["role": "user", "content": "hi"]
            let first = try await client.chat(["user": "bob", "messages": [opening]])
            await simulator.addFault(.init(kind: .status, endpoint: .chat, status: 404))
            let response = try await client.chat([
                "user": "bob", "messages": [opening, ["role": "assistant", "content": try first.replyText], ["role": "user", "content": "again"]],
            ])
            #expect(response.status == .ok)
            #expect(await simulator.createdConversationCount() == 2)
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 3 && conversations[0] == conversations[1] && conversations[2] != conversations[0])
            // The replacement was seeded with the history.
            let seeded = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").last)
            #expect((seeded["additionalContext"] as? [[String: Any]])?.isEmpty == false)
        }
    }
}

/// Faults after the stream has started, and the upstream stream quirks the gateway must absorb.
@Suite struct StreamFaultTests {
    let prompt = "Explain what a gateway does, please."

    func stream(_ client: some TestClientProtocol) async throws -> TestResponse {
        try await client.chat(["stream": true, "messages": [["role": "user", "content": prompt]]])
    }

    @Test(arguments: [SimulatorFault.Kind.crlf, .pretty, .noTrailingBlankLine, .contentType, .malformed])
    func streamQuirksStillGiveTheWholeReplyOnce(kind: SimulatorFault.Kind) async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: kind, endpoint: .stream))
            let response = try await stream(client)
            #expect(response.status == .ok)
            #expect(try response.streamedText == expectedReply(prompt))
            #expect(response.eventPayloads.last == "[DONE]")
        }
    }

    @Test(arguments: [SimulatorFault.Kind.rewrite, .shrink])
    func rewrittenOrShrinkingSnapshotsNeverDuplicateText(kind: SimulatorFault.Kind) async throws {
        try await GatewayHarness.run(simulator: .init(snapshotCount: 10, eventDelay: .zero)) { client, simulator in
            await simulator.addFault(.init(kind: kind, endpoint: .stream))
            let text = try await stream(client).streamedText
            let expected = expectedReply(prompt)
            #expect(text.replacingOccurrences(of: " [1]", with: "") == expected.replacingOccurrences(of: " [1]", with: ""))
            #expect(text.components(separatedBy: "You said").count == 2, "the opening must be sent exactly once")
        }
    }

    @Test func aStreamCutMidwayEndsWithAnErrorEventAndNoDone() async throws {
        try await GatewayHarness.run(simulator: .init(snapshotCount: 10, eventDelay: .zero)) { client, simulator in
            await simulator.addFault(.init(kind: .cut, endpoint: .stream, afterEvents: 4))
            let response = try await stream(client)
            #expect(response.status == .ok)
            let last = try #require(response.eventPayloads.last)
            let error = try #require((try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])?["error"] as? [String: Any])
            #expect(error["code"] as? String == "upstream_stream_interrupted")
            #expect(!response.eventPayloads.contains("[DONE]"))
            #expect(expectedReply(prompt).hasPrefix(try response.streamedText))
        }
    }

    @Test func anInBandErrorEventBecomesAnErrorEvent() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .inbandError, endpoint: .stream))
            let response = try await stream(client)
            let last = try #require(response.eventPayloads.last)
            #expect(last.contains("\"error\"") && last.contains("Simulated in-band failure"))
        }
    }

    @Test func anUpstreamErrorWithAnEmptyMessageStillNamesItsStatusAndRequestID() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, count: 2, endpoint: .chat, status: 500, message: ""))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .badGateway)
            let message = try #require(try response.openAIError["message"] as? String)
            #expect(message.contains("Copilot answered 500 InternalServerError (without a message) [Graph request-id "))
        }
    }

    @Test(arguments: [
        ("Missing scope permissions on the request. API requires one of 'Sites.Read.All'.", "delegated permissions"),
        ("", "no Microsoft 365 Copilot licence"),
        ("Forbidden.", "no Microsoft 365 Copilot licence"),
    ])
    func a403SaysWhetherPermissionsOrTheLicenceAreMissing(graphMessage: String, advice: String) async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, endpoint: .chat, status: 403, message: graphMessage))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .forbidden)
            let error = try response.openAIError
            #expect(error["code"] as? String == "upstream_forbidden")
            #expect((error["message"] as? String)?.contains(advice) == true, "\(error)")
        }
    }

    @Test func aLocalNetworkFailureIsA502ThatSaysTheNetworkFailed() async throws {
        // Nothing listens on port 9 of loopback: the connection is refused.
        try await GatewayHarness.run(environment: ["GRAPH_BASE_URL": "http://127.0.0.1:9"]) { client, _ in
            for stream in [false, true] {
                let response = try await client.chat(["stream": stream, "messages": [["role": "user", "content": "hi"]]])
                #expect(response.status == .badGateway)
                let error = try response.openAIError
                #expect(error["code"] as? String == "upstream_unreachable")
                #expect((error["message"] as? String)?.contains("network between the gateway and Microsoft Graph failed") == true)
            }
        }
    }

    @Test func anEmptyReplyTwiceIsAnErrorNotAnEmptyAnswer() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .emptyReply, count: 2, endpoint: .chat))
            let whole = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(whole.status == .badGateway)
            #expect(try whole.openAIError["code"] as? String == "upstream_empty_reply")
            await simulator.addFault(.init(kind: .emptyReply, count: 2, endpoint: .stream))
            let streamed = try await stream(client)
            #expect(streamed.eventPayloads.last?.contains("upstream_empty_reply") == true)
        }
    }

    @Test func anEmptyReplyIsRetriedOnceOnAFreshConversationBeforeTheClientSeesIt() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .emptyReply, endpoint: .chat))
            let whole = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(whole.status == .ok)
            let choice = try #require((try whole.json["choices"] as? [[String: Any]])?.first)
            let message = try #require(choice["message"] as? [String: Any])
            #expect((message["content"] as? String)?.isEmpty == false)
            await simulator.addFault(.init(kind: .emptyReply, endpoint: .stream))
            let streamed = try await stream(client)
            #expect(streamed.eventPayloads.last == "[DONE]")
            #expect(!streamed.eventPayloads.contains { $0.contains("upstream_empty_reply") })
            // Each empty reply was followed by a new conversation for the same turn.
            let creates = await simulator.recordedRequests.filter { $0.path == "/beta/copilot/conversations" }
            #expect(creates.count == 4)
        }
    }

    @Test func aResponsibleAIRefusalEndsWithContentFilterAndTheConversationIsNotContinued() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .rai, endpoint: .chat))
            let opening: [String: Any] = ["role": "user", "content": "something"]
            let response = try await client.chat(["user": "carol", "messages": [opening]])
            #expect(response.status == .ok)
            let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "content_filter")
            #expect(try response.replyText.contains("I'm sorry"))
            // The disengaged conversation is not continued: the next turn starts a new one.
            let next = try await client.chat([
                "user": "carol", "messages": [opening, ["role": "assistant", "content": try response.replyText], ["role": "user", "content": "hi"]],
            ])
            #expect(next.status == .ok)
            #expect(await simulator.createdConversationCount() == 2)
        }
    }

    @Test func aStreamedRefusalEndsWithContentFilter() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .rai, endpoint: .stream))
            let response = try await stream(client)
            let finishes = try response.chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"]) as? String }
            #expect(finishes == ["content_filter"])
            #expect(try response.streamedText.contains("I'm sorry"))
        }
    }

    @Test func aStreamThatFailsBeforeAnyTextIsRetriedOnAFreshConversation() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .cut, endpoint: .stream, afterEvents: 1))
            let response = try await stream(client)
            #expect(try response.streamedText == expectedReply(prompt))
            #expect(response.eventPayloads.last == "[DONE]")
            #expect(await simulator.createdConversationCount() == 2)
        }
    }

    @Test func anUpstream503OnAStreamIsRetriedOnce() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, endpoint: .stream, status: 503))
            let response = try await stream(client)
            #expect(response.status == .ok)
            #expect(try response.streamedText == expectedReply(prompt))
        }
    }
}
