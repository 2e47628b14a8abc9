import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// Tool use on `/v1/messages` end to end against the simulator's tool-following model: `tool_use`
/// blocks whole and streamed, `tool_result`s continuing the conversation, and `tool_choice`.
@Suite struct MessagesToolUseRouteTests {
    static var weather: [String: Any] { [
        "name": "get_weather", "description": "Weather for a city.",
        "input_schema": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
    ] }

    func send(_ client: some TestClientProtocol, _ messages: [[String: Any]], _ extra: [String: Any] = [:]) async throws -> TestResponse {
        var body: [String: Any] = ["model": "c", "max_tokens": 1024, "messages": messages, "tools": [Self.weather]]
        body.merge(extra) { $1 }
        let data = try JSONSerialization.data(withJSONObject: body)
        let answer = try await client.execute(uri: "/v1/messages", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: data))
        #expect(answer.status == .ok, "\(String(buffer: answer.body))")
        return answer
    }

    func blocks(_ answer: TestResponse) throws -> [[String: Any]] {
        try #require(try answer.json["content"] as? [[String: Any]])
    }

    @Test func aCallIsAToolUseBlockWithParsedInputAndStopReasonToolUse() async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await send(client, [["role": "user", "content": #"call get_weather {"city": "Paris"}"#]])
            #expect(try answer.json["stop_reason"] as? String == "tool_use")
            let content = try blocks(answer)
            #expect(content.count == 1)
            let call = try #require(content.first)
            #expect(call["type"] as? String == "tool_use" && call["name"] as? String == "get_weather")
            #expect((call["id"] as? String)?.hasPrefix("toolu_") == true)
            #expect(call["input"] as? NSDictionary == ["city": "Paris"] as NSDictionary, "the input is an object, not a JSON string")
            #expect(!String(buffer: answer.body).contains("<tool_call"))
        }
    }

    @Test func aStreamedCallIsAToolUseBlockWhoseInputArrivesAsInputJSONDeltas() async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await send(client, [["role": "user", "content": #"call get_weather {"city": "Paris"}"#]], ["stream": true])
            let events = try answer.namedEvents.filter { $0.name != "ping" }
            #expect(events.allSatisfy { !$0.name.isEmpty && $0.name == $0.type })
            #expect(events.first?.name == "message_start" && events.last?.name == "message_stop")
            let start = try #require(events.first { $0.name == "content_block_start" })
            let block = try #require(start.data["content_block"] as? [String: Any])
            #expect(block["type"] as? String == "tool_use" && block["name"] as? String == "get_weather")
            #expect((block["id"] as? String)?.hasPrefix("toolu_") == true)
            let deltas = events.compactMap { $0.name == "content_block_delta" ? $0.data : nil }
            #expect(!deltas.isEmpty && deltas.allSatisfy { $0["index"] as? Int == start.data["index"] as? Int })
            let pieces = deltas.compactMap { $0["delta"] as? [String: Any] }
            #expect(pieces.allSatisfy { $0["type"] as? String == "input_json_delta" })
            let input = pieces.compactMap { $0["partial_json"] as? String }.joined()
            #expect(try JSONSerialization.jsonObject(with: Data(input.utf8)) as? NSDictionary == ["city": "Paris"] as NSDictionary)
            #expect(events.filter { $0.name == "content_block_stop" }.count == 1)
            let end = try #require(events.first { $0.name == "message_delta" })
            #expect((end.data["delta"] as? [String: Any])?["stop_reason"] as? String == "tool_use")
        }
    }

    @Test(arguments: [false, true])
    func aToolResultContinuesTheSameConversationAndCopilotAnswersFromIt(stream: Bool) async throws {
        try await GatewayHarness.run { client, simulator in
            let ask: [String: Any] = ["role": "user", "content": #"call get_weather {"city": "Rome"}"#]
            let first = try await send(client, [ask], ["metadata": ["user_id": "tool-user"]])
            let call = try #require(try blocks(first).first)
            let id = try #require(call["id"] as? String)
            let result: [String: Any] = ["role": "user", "content": [["type": "tool_result", "tool_use_id": id, "content": "rain"]]]
            let messages: [[String: Any]] = [ask, ["role": "assistant", "content": try blocks(first)], result]
            let second = try await send(client, messages, ["metadata": ["user_id": "tool-user"], "stream": stream])
            let text: String
            if stream {
                let deltas = try second.namedEvents.compactMap { ($0.data["delta"] as? [String: Any])?["text"] as? String }
                text = deltas.joined()
            } else {
                #expect(try second.json["stop_reason"] as? String == "end_turn")
                text = try #require(try blocks(second).first?["text"] as? String)
            }
            #expect(text == "The get_weather tool returned: rain")
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 2 && Set(conversations).count == 1, "the tool result continues the same conversation")
        }
    }

    @Test(arguments: [(false, 2), (true, 1)])
    func disableParallelToolUseKeepsOnlyTheFirstCall(disable: Bool, expected: Int) async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await send(
                client, [["role": "user", "content": #"call get_weather {"city": "Paris"} and call get_weather {"city": "Rome"}"#]],
                ["tool_choice": ["type": "auto", "disable_parallel_tool_use": disable]])
            let calls = try blocks(answer).filter { $0["type"] as? String == "tool_use" }
            #expect(calls.count == expected)
            #expect(calls.first?["input"] as? NSDictionary == ["city": "Paris"] as NSDictionary)
            #expect(Set(calls.compactMap { $0["id"] as? String }).count == calls.count, "each call has its own id")
        }
    }

    @Test(arguments: [["type": "any"], ["type": "tool", "name": "get_weather"]])
    func toolChoiceAnyOrANamedToolGetsACallUnasked(choice: [String: String]) async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await send(client, [["role": "user", "content": "What's it like outside in Oslo?"]], ["tool_choice": choice])
            #expect(try answer.json["stop_reason"] as? String == "tool_use")
            #expect(try blocks(answer).contains { $0["type"] as? String == "tool_use" && $0["name"] as? String == "get_weather" })
        }
    }

    @Test func toolChoiceNoneAnswersInTextAndSendsNoToolTextToCopilot() async throws {
        try await GatewayHarness.run { client, simulator in
            let answer = try await send(client, [["role": "user", "content": "call get_weather"]], ["tool_choice": ["type": "none"]])
            #expect(try answer.json["stop_reason"] as? String == "end_turn")
            #expect(try blocks(answer).allSatisfy { $0["type"] as? String == "text" })
            let turn = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").first)
            let context = (turn["additionalContext"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            #expect(!context.contains { $0.contains("get_weather") })
        }
    }
}
