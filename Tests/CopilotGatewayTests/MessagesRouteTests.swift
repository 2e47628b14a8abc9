import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// `/v1/messages` end to end against the simulator: whole and streamed answers, `count_tokens`, and
/// errors of every layer in Anthropic's shape. Tool use is in `MessagesToolUseRouteTests`.
@Suite struct MessagesRouteTests {
    func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// `POST uri` with a JSON object body.
    func post(_ client: some TestClientProtocol, _ uri: String = "/v1/messages", json body: [String: Any], headers: HTTPFields = [:]) async throws -> TestResponse {
        try await post(client, uri, String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self), headers: headers)
    }

    func anthropicError(_ response: TestResponse) throws -> (type: String, message: String) {
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
        #expect(body["type"] as? String == "error")
        let error = try #require(body["error"] as? [String: Any])
        return (try #require(error["type"] as? String), try #require(error["message"] as? String))
    }

    @Test func errorsOfEveryLayerAreInAnthropicsShapeOnTheMessagesRoutes() async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_API_KEYS": "messages-route-key-0123456789", "GATEWAY_MAX_BODY_MB": "1"]) { client, _ in
            let key: HTTPFields = [HTTPField.Name("x-api-key")!: "messages-route-key-0123456789"]
            let noKey = try await post(client, "/v1/messages?beta=true", #"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(noKey.status == .unauthorized)
            #expect(try anthropicError(noKey).type == "authentication_error")
            let notJSON = try await post(client, "/v1/messages", "{", headers: key)
            #expect(notJSON.status == .badRequest)
            #expect(try anthropicError(notJSON).type == "invalid_request_error")
            let tooLarge = try await post(client, "/v1/messages", String(repeating: " ", count: 2 << 20), headers: key)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try anthropicError(tooLarge).type == "invalid_request_error")
            #expect(tooLarge.headers[HTTPField.Name("request-id")!]?.isEmpty == false)
            let answered = try await post(
                client, "/v1/messages", #"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"REPLY `ok` ONLY"}]}"#, headers: key)
            #expect(answered.status == .ok)
            let message = try #require(try JSONSerialization.jsonObject(with: Data(answered.body.readableBytesView)) as? [String: Any])
            #expect(message["type"] as? String == "message" && message["stop_reason"] as? String == "end_turn")
            // The other dialect keeps its own shape on the same gateway.
            let openAI = try await post(client, "/v1/chat/completions", "{", headers: key)
            let openAIBody = try openAI.json
            #expect(openAIBody["error"] != nil && openAIBody["type"] == nil)
        }
    }

    @Test func aWholeAnswerIsAMessageWithTextContentEndTurnAndUsage() async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await post(
                client, json: ["model": "claude-test", "max_tokens": 100, "messages": [["role": "user", "content": "REPLY `PONG` ONLY"]]])
            #expect(answer.status == .ok)
            let message = try answer.json
            #expect((message["id"] as? String)?.hasPrefix("msg_") == true)
            #expect(message["type"] as? String == "message" && message["role"] as? String == "assistant")
            #expect(message["model"] as? String == "claude-test")
            #expect(message["content"] as? NSArray == [["type": "text", "text": "PONG", "citations": NSNull()]] as NSArray)
            #expect(message["stop_reason"] as? String == "end_turn")
            #expect(message["stop_sequence"] is NSNull)
            let usage = try #require(message["usage"] as? [String: Any])
            #expect((usage["input_tokens"] as? Int ?? 0) > 0 && (usage["output_tokens"] as? Int ?? 0) > 0)
        }
    }

    @Test func aStreamSendsAnthropicsEventsWithTheirEventLinesAndItsDeltasMakeTheText() async throws {
        try await GatewayHarness.run(simulator: .init(snapshotCount: 6, eventDelay: .zero)) { client, _ in
            let text = "The quick brown fox jumps over the lazy dog, and then it runs far away."
            let answer = try await post(
                client, json: ["model": "c", "max_tokens": 100, "stream": true, "messages": [["role": "user", "content": "REPLY `\(text)` ONLY"]]])
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let all = try answer.namedEvents
            #expect(all.allSatisfy { !$0.name.isEmpty && $0.name == $0.type }, "every event has its `event:` line")
            let events = all.filter { $0.name != "ping" }
            let deltas = events.filter { $0.name == "content_block_delta" }
            #expect(deltas.count > 1, "the text arrives in pieces")
            let names = events.map(\.name)
            #expect(names == ["message_start", "content_block_start"] + deltas.map(\.name) + ["content_block_stop", "message_delta", "message_stop"])
            let start = try #require(events.first?.data["message"] as? [String: Any])
            #expect(start["stop_reason"] is NSNull && (start["content"] as? [Any])?.isEmpty == true)
            #expect(((start["usage"] as? [String: Any])?["input_tokens"] as? Int ?? 0) > 0)
            #expect(events[1].data["content_block"] as? NSDictionary == ["type": "text", "text": "", "citations": NSNull()] as NSDictionary)
            #expect(deltas.allSatisfy { ($0.data["delta"] as? [String: Any])?["type"] as? String == "text_delta" && $0.data["index"] as? Int == 0 })
            #expect(deltas.compactMap { ($0.data["delta"] as? [String: Any])?["text"] as? String }.joined() == text)
            let end = try #require(events.first { $0.name == "message_delta" }?.data)
            #expect((end["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
            #expect(((end["usage"] as? [String: Any])?["output_tokens"] as? Int ?? 0) > 0)
        }
    }

    @Test func countTokensIsPositiveGrowsWithTheTextAndNeverReachesCopilot() async throws {
        try await GatewayHarness.run { client, simulator in
            func count(_ text: String, system: String? = nil) async throws -> Int {
                var body: [String: Any] = ["model": "c", "messages": [["role": "user", "content": text]]]
                if let system { body["system"] = system }
                let answer = try await post(client, "/v1/messages/count_tokens", json: body)
                #expect(answer.status == .ok)
                let json = try answer.json
                #expect(Set(json.keys) == ["input_tokens"])
                return try #require(json["input_tokens"] as? Int)
            }
            let short = try await count("Hello!")
            let long = try await count(String(repeating: "Tell me about the weather in Paris. ", count: 20))
            let withSystem = try await count("Hello!", system: "You are Mika, a cheerful cat who answers in rhymes.")
            #expect(short > 0)
            #expect(long > short * 10)
            #expect(withSystem > short)
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }

    @Test func aResentHistoryContinuesTheSameConversationButNotOneBegunThroughChatCompletions() async throws {
        try await GatewayHarness.run { client, simulator in
            let first = try await post(client, json: ["model": "c", "max_tokens": 50, "messages": [["role": "user", "content": "Hello!"]]])
            let reply = try #require((try first.json["content"] as? [[String: Any]])?.first?["text"] as? String)
            let history: [[String: Any]] = [
                ["role": "user", "content": "Hello!"], ["role": "assistant", "content": reply], ["role": "user", "content": "How are you?"],
            ]
            #expect(try await post(client, json: ["model": "c", "max_tokens": 50, "messages": history]).status == .ok)
            let turns = try await simulator.recordedBodies(pathSuffix: "/chat")
            #expect((turns.last?["message"] as? [String: Any])?["text"] as? String == "How are you?")
            // The same history through the other dialect starts a conversation of its own.
            #expect(try await client.chat(["messages": history]).status == .ok)
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 3)
            #expect(conversations[0] == conversations[1] && conversations[2] != conversations[0])
        }
    }

    static var weatherTool: [String: Any] { ["name": "get_weather", "input_schema": ["type": "object", "properties": ["city": ["type": "string"]]]] }

    @Test(arguments: [
        (#"{"model":"c","messages":[{"role":"user","content":"hi"}]}"#, "max_tokens"),
        (#"{"model":"c","max_tokens":5,"messages":[{"role":"robot","content":"hi"}]}"#, "robot"),
        (#"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[TOOL],"tool_choice":{"type":"sometimes"}}"#, "tool_choice"),
        (#"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[TOOL],"tool_choice":{"type":"tool","name":"x"}}"#, "tool_choice.name"),
        (#"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"bash_20250124","name":"bash"}]}"#, "bash_20250124"),
        (#"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Well,"}]}"#, "assistant"),
    ])
    func badRequestsAre400InvalidRequestErrorsSayingWhatIsWrongWithARequestID(body: String, phrase: String) async throws {
        try await GatewayHarness.run { client, simulator in
            let tool = String(decoding: try JSONSerialization.data(withJSONObject: Self.weatherTool), as: UTF8.self)
            let answer = try await post(client, "/v1/messages", body.replacingOccurrences(of: "TOOL", with: tool))
            #expect(answer.status == .badRequest)
            let error = try anthropicError(answer)
            #expect(error.type == "invalid_request_error")
            #expect(error.message.contains(phrase), "\(error.message)")
            #expect(answer.headers[HTTPField.Name("request-id")!]?.isEmpty == false)
            #expect(await simulator.recordedRequests.isEmpty, "a bad request must not reach Copilot")
        }
    }

    @Test(arguments: ["x-api-key", "authorization"])
    func aWrongKeyIsA401AuthenticationErrorWithARequestID(header: String) async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_API_KEYS": "messages-route-key-0123456789"]) { client, simulator in
            let value = header == "authorization" ? "Bearer wrong-key-0123456789abc" : "wrong-key-0123456789abc"
            for uri in ["/v1/messages", "/v1/messages/count_tokens"] {
                let answer = try await post(
                    client, uri, json: ["model": "c", "max_tokens": 5, "messages": [["role": "user", "content": "hi"]]],
                    headers: [HTTPField.Name(header)!: value])
                #expect(answer.status == .unauthorized)
                #expect(try anthropicError(answer).type == "authentication_error")
                #expect(answer.headers[HTTPField.Name("request-id")!]?.isEmpty == false)
            }
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }
}
