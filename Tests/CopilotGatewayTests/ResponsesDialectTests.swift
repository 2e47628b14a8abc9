import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import CopilotGateway

/// The Responses dialect: its decoder and its event encoder.
@Suite struct ResponsesDialectTests {
    func decode(_ json: String) throws -> ResponsesRequest {
        try JSONBody.decode(ResponsesRequest.self, from: ByteBuffer(string: json), what: "a valid Responses API request")
    }

    func turn(_ json: String) throws -> TurnRequest {
        try decode(json).turnRequest(caller: "anonymous")
    }

    @Test func everyInputItemKindBecomesTheRightEntry() throws {
        let turn = try turn(#"""
            {"model": "gpt-5", "instructions": "Be brief.", "prompt_cache_key": "s1", "input": [
              {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Use tools."}]},
              {"role": "user", "content": [{"type": "input_text", "text": "Patch it"}, {"type": "input_image", "image_url": "data:x"}]},
              {"type": "reasoning", "id": "rs_1", "summary": []},
              {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Running.", "annotations": []}]},
              {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
              {"type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch", "input": "*** Begin Patch"},
              {"type": "function_call_output", "call_id": "call_1", "output": "a.txt"},
              {"type": "custom_tool_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "Done"}]}],
             "reasoning": null, "include": [], "store": false, "unknown": {"x": 1}}
            """#)
        #expect(turn.instructions == "Be brief.\n\nUse tools.")
        #expect(turn.sessionKey == "session:s1" && turn.space == .responses)
        #expect(turn.history == [
            .user([.text("Patch it"), .image]),
            .assistant([.text("Running.")], calls: [
                HistoryCall(id: "call_1", name: "shell", arguments: #"{"command":["ls"]}"#),
                HistoryCall(id: "call_2", name: "apply_patch", arguments: #"{"input":"*** Begin Patch"}"#),
            ]),
        ])
        #expect(turn.newTurn == [.toolResult(callID: "call_1", name: nil, [.text("a.txt")]), .toolResult(callID: "call_2", name: nil, [.text("Done")])])
    }

    @Test func toolsBecomeTheCatalogueCustomToolsTakeFreeTextAndWebSearchGrounds() throws {
        let request = try decode(#"""
            {"model":"copilot","input": "hi", "parallel_tool_calls": false, "tool_choice": {"type": "function", "name": "shell"},
             "tools": [{"type": "function", "name": "shell", "parameters": {"type": "object"}, "strict": false},
                       {"type": "custom", "name": "apply_patch", "format": {"type": "grammar", "syntax": "lark", "definition": "start: x"}},
                       {"type": "web_search", "external_web_access": true}]}
            """#)
        let turn = try request.turnRequest(caller: "anonymous")
        #expect(turn.tools?.tools.map(\.name) == ["shell", "apply_patch"])
        #expect(turn.tools?.choice == .named("shell") && turn.tools?.allowsParallelCalls == false && turn.webSearch == true)
        #expect(turn.tools?.tools[1].parameters["properties"]?["input"]?["description"]?.stringValue?.contains("start: x") == true)
        #expect(request.customToolNames == ["apply_patch"])
        let cached = try decode(#"{"model":"copilot","input": "hi", "tools": [{"type": "web_search", "external_web_access": false}]}"#)
        #expect(try cached.turnRequest(caller: "anonymous").webSearch == nil, "Codex's cached search asks for no live web")
    }

    @Test func failuresCarryTheCodesClientsActOn() {
        let tooLong = ResponsesEncoder.error(UpstreamError.status(413, code: nil, message: nil, retryAfter: nil).failure)
        #expect(tooLong["code"]?.stringValue == "context_length_exceeded")
        let throttled = ResponsesEncoder.error(UpstreamError.status(429, code: nil, message: nil, retryAfter: 7).failure)
        #expect(throttled["code"]?.stringValue == "rate_limit_exceeded" && throttled["message"]?.stringValue?.hasSuffix("try again in 7s.") == true)
        #expect(ResponsesEncoder.error(UpstreamError.timeout.failure)["code"]?.stringValue == "server_error")
    }

    @Test func aDeclinedAnswerEndsWithResponseCompletedMarkedIncomplete() throws {
        var encoder = ResponsesEncoder(model: "m", echoed: [:], customTools: [], id: "resp_1", createdAt: 1)
        let text = String(buffer: try encoder.encode(.finished(.contentFilter, TokenUsage(input: 1, output: 1))))
        #expect(text.hasPrefix("event: response.completed\n"))
        #expect(text.contains(#""status":"incomplete""#) && text.contains(#""reason":"content_filter""#))
    }

    @Test(arguments: [
        (#"{"model":"copilot","input": []}"#, "input"),
        (#"{"model":"copilot","input": [{"type": "computer_call_output", "call_id": "x"}]}"#, "input[0].type"),
        (#"{"model":"copilot","input": [{"role": "user", "content": "hi"}, {"type": "function_call_output", "call_id": "c9", "output": "x"}]}"#, "input[1].call_id"),
        (#"{"model":"copilot","input": "hi", "tools": [{"type": "file_search"}]}"#, "tools[0].type"),
        (#"{"model":"copilot","input": "hi", "tools": [{"type": "function", "name": "a b"}]}"#, "tools[0].name"),
        (#"{"model":"copilot","input": "hi", "tools": [{"type": "function", "name": "a"}], "tool_choice": {"type": "function", "name": "b"}}"#, "tool_choice.name"),
        (#"{"model":"copilot","input": "hi", "text": {"format": {"type": "yaml"}}}"#, "text.format.type"),
        (#"{"model":"copilot","input": "hi", "conversation": "conv_1"}"#, "conversation"),
        (#"{"model":"copilot","prompt": {"id": "pmpt_1"}}"#, "prompt"),
    ])
    func badRequestsNameTheField(json: String, param: String) throws {
        do {
            _ = try turn(json)
            Issue.record("expected an error")
        } catch let error as OpenAIError {
            #expect(error.status == .badRequest && error.param == param, "\(error.message)")
        } catch let problem as JSONBody.Problem {
            #expect(problem.param == param, "\(problem.message)")
        }
    }

    @Test func aStreamNumbersItsEventsAndClosesEachItem() throws {
        var encoder = ResponsesEncoder(model: "m", echoed: [:], customTools: ["apply_patch"], id: "resp_1", createdAt: 1)
        var text = String(buffer: try encoder.opening())
        for event: ReplyEvent in [
            .textDelta("Hi"), .toolCallStarted(index: 0, id: "call_1", name: "shell"), .toolCallArguments(index: 0, fragment: #"{"command":"#),
            .toolCallArguments(index: 0, fragment: #"["ls"]}"#), .toolCallStarted(index: 1, id: "call_2", name: "apply_patch"),
            .toolCallArguments(index: 1, fragment: #"{"input":"*** Begin Patch"}"#), .finished(.toolCalls, TokenUsage(input: 5, output: 6)),
        ] {
            text += String(buffer: try encoder.encode(event))
        }
        let events = try text.split(separator: "\n\n").map { frame -> [String: Any] in
            let data = try #require(frame.split(separator: "\n").first { $0.hasPrefix("data: ") }).dropFirst(6)
            return try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        }
        #expect(events.map { $0["sequence_number"] as? Int } == Array(0..<events.count).map { $0 })
        #expect(events.map { $0["type"] as? String ?? "" } == [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
            "response.function_call_arguments.done", "response.output_item.done",
            "response.output_item.added", "response.custom_tool_call_input.delta", "response.custom_tool_call_input.done", "response.output_item.done",
            "response.completed",
        ])
        let output = try #require((events.last?["response"] as? [String: Any])?["output"] as? [[String: Any]])
        #expect(output.map { $0["type"] as? String } == ["message", "function_call", "custom_tool_call"])
        #expect(output[1]["arguments"] as? String == #"{"command":["ls"]}"# && output[2]["input"] as? String == "*** Begin Patch")
    }

    @Test func aPreviousResponsesConversationComesBeforeTheInputAndItsCallsCanBeAnswered() throws {
        let previous = KeptConversation(chain: ["resp_1"], newestFirst: [ResponseRecord(
            instructions: "Be brief.",
            entries: [.user([.text("weather?")]), .assistant([], calls: [HistoryCall(id: "call_7", name: "get_weather", arguments: "{}")])])])
        let turn = try decode(#"{"model":"copilot","input": [{"type": "function_call_output", "call_id": "call_7", "output": "sunny"}], "previous_response_id": "resp_1"}"#)
            .turnRequest(caller: "anonymous", previous: previous)
        #expect(turn.instructions == "Be brief.")
        #expect(turn.history == previous.entries)
        #expect(turn.newTurn == [.toolResult(callID: "call_7", name: nil, [.text("sunny")])])
    }
}

@Suite struct URLCitationTests {
    @Test func copilotsCitationsAreFoundAtTheirMarkersWithTheirSources() {
        let text = "Due Friday [1], see [2] and [3].\n\n[1]: <https://a.example/x> \"Plan \\\"A\\\"\"\n[2]: <https://b.example>"
        let citations = URLCitations.citations(in: text)
        #expect(citations.count == 2, "[3] has no source")
        #expect(citations.first == TextCitation(url: "https://a.example/x", title: "Plan \"A\"", start: 11, end: 14, citedText: "Due Friday"))
        #expect(citations.last?.url == "https://b.example" && citations.last?.start == 20)
        #expect(URLCitations.citations(in: "No sources [1].").isEmpty)
    }

    @Test func aCitationQuotesTheSentenceItEndsPastTheMarkersBeforeIt() {
        let text = "First point. Second point [1]. Third[1][2].\n\n[1]: <https://a.example>\n[2]: <https://b.example>"
        let cited = URLCitations.citations(in: text).map(\.citedText)
        #expect(cited == ["Second point", "Third", "Third"])
    }

    @Test func aResponsesAnnotationIsAURLCitationAtTheMarker() {
        let citation = TextCitation(url: "https://a.example", title: "A", start: 3, end: 6, citedText: "x")
        #expect(ResponsesEncoder.annotation(citation) == .object([
            "type": .string("url_citation"), "url": .string("https://a.example"), "title": .string("A"),
            "start_index": .number(3), "end_index": .number(6),
        ]))
    }
}
