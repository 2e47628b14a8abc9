import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// Tool calls end to end against the simulator's tool-following model.
@Suite struct ToolRouteTests {
    static var weather: [String: Any] { [
        "type": "function",
        "function": [
            "name": "get_weather", "description": "Weather for a city.",
            "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
        ],
    ] }
    // MaiBot's planner tools, in their shape.
    static var planner: [[String: Any]] { [
        ["type": "function", "function": ["name": "reply", "description": "Reply to a message.", "parameters": [
            "type": "object", "properties": ["msg_id": ["type": "string"], "reply_reference": ["type": "string"], "reply_style": ["type": "string"]],
            "required": ["msg_id", "reply_reference"],
        ]]],
        ["type": "function", "function": ["name": "no_reply", "description": "Stay silent.", "parameters": ["type": "object", "properties": [:]]]],
        ["type": "function", "function": ["name": "wait", "parameters": ["type": "object", "properties": ["seconds": ["type": "integer"]], "required": ["seconds"]]]],
    ] }

    func toolCalls(_ response: TestResponse) throws -> [[String: Any]] {
        let message = try #require(((try response.json["choices"] as? [[String: Any]])?.first?["message"]) as? [String: Any])
        return (message["tool_calls"] as? [[String: Any]]) ?? []
    }

    @Test func aCallComesBackAsOpenAIToolCallsWithNullContent() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat([
                "messages": [["role": "user", "content": #"call get_weather {"city": "Paris"}"#]], "tools": [Self.weather], "tool_choice": "auto",
            ])
            let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "tool_calls")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["content"] is NSNull)
            let call = try #require(try toolCalls(response).first)
            #expect(call["type"] as? String == "function")
            #expect((call["id"] as? String)?.hasPrefix("call_") == true)
            let function = try #require(call["function"] as? [String: Any])
            #expect(function["name"] as? String == "get_weather")
            #expect(function["arguments"] as? String == #"{"city":"Paris"}"#)
        }
    }

    @Test func theMaiBotPlannerGetsACallToItsReplyTool() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat([
                "messages": [["role": "system", "content": "You are the planner."], ["role": "user", "content": "[msg_id=42] Hi bot! Decide what to do."]],
                "tools": Self.planner, "tool_choice": ["type": "function", "function": ["name": "reply"]],
            ])
            let call = try #require(try toolCalls(response).first)
            let function = try #require(call["function"] as? [String: Any])
            #expect(function["name"] as? String == "reply")
            let arguments = try #require(try JSONSerialization.jsonObject(with: Data(((function["arguments"] as? String) ?? "").utf8)) as? [String: Any])
            #expect(arguments["msg_id"] != nil && arguments["reply_reference"] != nil)
        }
    }

    @Test func theCatalogueIsSentOncePerConversationAndAgainWhenTheToolsChange() async throws {
        try await GatewayHarness.run { client, simulator in
            let tools: [[String: Any]] = [Self.weather]
            var messages: [[String: Any]] = [["role": "user", "content": "Hello!"]]
            let first = try await client.chat(["user": "t", "messages": messages, "tools": tools])
            messages.append(["role": "assistant", "content": try first.replyText])
            messages.append(["role": "user", "content": "And again?"])
            let second = try await client.chat(["user": "t", "messages": messages, "tools": tools])
            messages.append(["role": "assistant", "content": try second.replyText])
            messages.append(["role": "user", "content": "Now with more tools."])
            _ = try await client.chat(["user": "t", "messages": messages, "tools": tools + Self.planner])
            #expect(Set(await simulator.turnConversations()).count == 1)
            let bodies = try await simulator.recordedBodies(pathSuffix: "/chat")
            let catalogues = bodies.map { body in
                ((body["additionalContext"] as? [[String: Any]]) ?? []).contains { ($0["text"] as? String)?.hasPrefix("TOOLS AVAILABLE") == true }
            }
            #expect(catalogues == [true, false, true])
            let choices = bodies.map { body in
                ((body["additionalContext"] as? [[String: Any]]) ?? []).contains { ($0["text"] as? String)?.hasPrefix("TOOL CHOICE") == true }
            }
            #expect(choices == [true, true, true])
        }
    }

    @Test func aCallAndItsResultContinueTheConversation() async throws {
        try await GatewayHarness.run { client, simulator in
            var messages: [[String: Any]] = [["role": "user", "content": #"call get_weather {"city": "Rome"}"#]]
            let first = try await client.chat(["user": "u", "messages": messages, "tools": [Self.weather]])
            let call = try #require(try toolCalls(first).first)
            messages.append(["role": "assistant", "content": NSNull(), "tool_calls": [call]])
            messages.append(["role": "tool", "tool_call_id": call["id"] ?? "", "content": "rain"])
            let second = try await client.chat(["user": "u", "messages": messages, "tools": [Self.weather]])
            #expect(try second.replyText == "The get_weather tool returned: rain")
            #expect(Set(await simulator.turnConversations()).count == 1, "the tool result continues the same conversation")
        }
    }

    @Test func aStreamedCallSendsIdAndNameOncePerIndexThenArguments() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat([
                "stream": true, "messages": [["role": "user", "content": "call get_weather and call wait"]], "tools": [Self.weather] + Self.planner,
            ])
            let deltas = try response.chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]] }.flatMap { $0 }
            let byIndex = Dictionary(grouping: deltas) { $0["index"] as? Int ?? -1 }
            #expect(byIndex.keys.sorted() == [0, 1])
            for (_, pieces) in byIndex {
                #expect(pieces.filter { $0["id"] != nil }.count == 1)
                #expect(pieces.compactMap { ($0["function"] as? [String: Any])?["name"] as? String }.count == 1)
                let arguments = pieces.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
                let parsed = try JSONSerialization.jsonObject(with: Data(arguments.utf8))
                #expect(parsed is [String: Any])
            }
            let finishes = try response.chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"]) as? String }
            #expect(finishes == ["tool_calls"])
        }
    }

    @Test(arguments: [false, true])
    func anIncompleteCallIsCorrectedNotShownAsMarkup(stream: Bool) async throws {
        try await GatewayHarness.run { client, _ in
            // get_weather requires `city`; the first reply lacks it.
            let response = try await client.chat(["stream": stream, "messages": [["role": "user", "content": #"call get_weather {"town": "Paris"}"#]], "tools": [Self.weather]])
            #expect(!String(buffer: response.body).contains("<tool_call>"))
            if stream {
                let finishes = try response.chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"]) as? String }
                #expect(finishes == ["tool_calls"])
            } else {
                let call = try #require(try toolCalls(response).first)
                #expect(((call["function"] as? [String: Any])?["arguments"] as? String)?.contains("city") == true)
            }
        }
    }

    @Test func aStreamedCodeBlockWithToolsOfferedArrivesWhole() async throws {
        try await GatewayHarness.run(simulator: .init(snapshotCount: 12, eventDelay: .zero)) { client, _ in
            let response = try await client.chat(["stream": true, "messages": [["role": "user", "content": "REPLY `Here is the code:\n```python\nprint(1)\n```` ONLY"]], "tools": [Self.weather]])
            #expect(try response.streamedText == "Here is the code:\n```python\nprint(1)\n```")
            #expect(response.eventPayloads.last == "[DONE]")
        }
    }

    @Test func toolChoiceNoneSendsNoToolTextUpstream() async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chat(["messages": [["role": "user", "content": "call get_weather"]], "tools": [Self.weather], "tool_choice": "none"])
            #expect(try toolCalls(response).isEmpty)
            let sent = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").first)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: sent), as: UTF8.self)
            #expect(!text.contains("TOOLS AVAILABLE") && !text.contains("TOOL CHOICE"))
        }
    }

    @Test func toolChoiceNoneOnAContinuedConversationTellsCopilotNoToolsThisTurn() async throws {
        try await GatewayHarness.run { client, simulator in
            var messages: [[String: Any]] = [["role": "user", "content": "Hello!"]]
            let first = try await client.chat(["user": "n", "messages": messages, "tools": [Self.weather]])
            messages.append(["role": "assistant", "content": try first.replyText])
            messages.append(["role": "user", "content": #"call get_weather {"city": "Rome"}"#])
            let second = try await client.chat(["user": "n", "messages": messages, "tools": [Self.weather], "tool_choice": "none"])
            #expect(try toolCalls(second).isEmpty, "the catalogue Copilot remembers must not be used this turn")
            #expect(Set(await simulator.turnConversations()).count == 1)
            let bodies = try await simulator.recordedBodies(pathSuffix: "/chat")
            let texts = bodies.map { body in ((body["additionalContext"] as? [[String: Any]]) ?? []).compactMap { $0["text"] as? String } }
            #expect(texts.count == 2 && texts[1] == [CopilotPrompt.noToolsThisMessage])
        }
    }

    @Test func aToolChoiceWithoutToolsIsAccepted() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]], "tool_choice": "auto"])
            #expect(response.status == .ok)
        }
    }

    @Test func anUnknownToolChoiceIsA400NamingTheField() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]], "tools": [Self.weather], "tool_choice": "sometimes"])
            #expect(response.status == .badRequest)
            #expect(try response.openAIError["param"] as? String == "tool_choice")
        }
    }

    @Test func aToolChoiceNamingAnUnofferedFunctionIsA400() async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chat([
                "messages": [["role": "user", "content": "hi"]], "tools": [Self.weather],
                "tool_choice": ["type": "function", "function": ["name": "send_mail"]],
            ])
            #expect(response.status == .badRequest)
            #expect(try response.openAIError["param"] as? String == "tool_choice")
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }

    @Test func aMessyCallIsStillReadCleanly() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .messy, endpoint: .chat))
            let response = try await client.chat(["messages": [["role": "user", "content": #"call get_weather {"city": "Oslo"}"#]], "tools": [Self.weather]])
            let call = try #require(try toolCalls(response).first)
            #expect((call["function"] as? [String: Any])?["arguments"] as? String == #"{"city":"Oslo"}"#)
        }
    }

    @Test(arguments: [false, true])
    func jsonModeReturnsTheJSONObjectWithTheRequiredKeys(stream: Bool) async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .messy, endpoint: stream ? .stream : .chat))
            let response = try await client.chat([
                "stream": stream, "messages": [["role": "user", "content": "How are you?"]],
                "response_format": ["type": "json_schema", "json_schema": ["name": "m", "schema": ["type": "object", "required": ["mood"], "properties": ["mood": ["type": "string"]]]]],
            ])
            let text = stream ? try response.streamedText : try response.replyText
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["mood"] != nil)
        }
    }

    @Test(arguments: [false, true])
    func aRequiredCallThatNeverComesIsA502WrongFormAfterAskingAgain(stream: Bool) async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .prose, count: 2))
            let response = try await client.chat([
                "stream": stream, "messages": [["role": "user", "content": "What is the weather in Oslo?"]], "tools": [Self.weather],
                "tool_choice": "required",
            ])
            let error: [String: Any]
            if stream {
                let last = try #require(try response.chunks.last)
                error = try #require(last["error"] as? [String: Any])
                #expect(!response.eventPayloads.contains("[DONE]"))
                #expect(try response.streamedText.isEmpty, "nothing of the unusable reply reached the client")
            } else {
                #expect(response.status == .badGateway)
                error = try response.openAIError
            }
            #expect(error["code"] as? String == "upstream_wrong_form")
            // The gateway asked once more, in the same conversation.
            let turns = await simulator.turnConversations()
            #expect(turns.count == 2 && Set(turns).count == 1)
        }
    }

    @Test func aRequiredCallThatComesOnTheSecondAskIsReturned() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .prose, count: 1))
            let response = try await client.chat([
                "messages": [["role": "user", "content": #"call get_weather {"city": "Oslo"}"#]], "tools": [Self.weather], "tool_choice": "required",
            ])
            #expect(response.status == .ok)
            #expect(try toolCalls(response).first.flatMap { ($0["function"] as? [String: Any])?["name"] as? String } == "get_weather")
            #expect(await simulator.turnConversations().count == 2)
        }
    }
}
