import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import CopilotGateway

/// The Anthropic Messages dialect: its decoder, its event encoder and its error mapping.
@Suite struct MessagesDialectTests {
    func decode(_ json: String) throws -> MessagesRequest {
        try JSONBody.decode(MessagesRequest.self, from: ByteBuffer(string: json), what: "a valid Messages API request")
    }

    func turn(_ json: String, session: String? = nil) throws -> TurnRequest {
        try decode(json).turnRequest(caller: "anonymous", session: session)
    }

    @Test func everyBlockKindBecomesTheRightEntry() throws {
        let turn = try turn(#"""
            {"model": "claude", "max_tokens": 100, "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
             "messages": [
              {"role": "user", "content": [{"type": "text", "text": "Look"}, {"type": "image", "source": {"type": "base64", "data": "x"}}, {"type": "document", "source": {}}]},
              {"role": "assistant", "content": [{"type": "thinking", "thinking": "hm", "signature": "s"}, {"type": "text", "text": "Calling."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"city": "Rome"}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "sunny"}]},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": "boom", "is_error": true},
                {"type": "search_result", "title": "T", "source": "https://s", "content": [{"type": "text", "text": "found"}]}]},
              {"role": "system", "content": "Agents: none."}],
             "temperature": 0.2, "thinking": {"type": "adaptive"}, "unknown_field": [1, 2]}
            """#)
        #expect(turn.instructions == "Be brief.\n\nAgents: none.")
        #expect(turn.history == [
            .user([.text("Look"), .image, .document]),
            .assistant([.text("Calling.")], calls: [
                HistoryCall(id: "toolu_1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
                HistoryCall(id: "toolu_2", name: "get_weather", arguments: #"{"city":"Rome"}"#),
            ]),
        ])
        #expect(turn.newTurn == [
            .toolResult(callID: "toolu_1", name: nil, [.text("sunny")]),
            .toolResult(callID: "toolu_2", name: nil, [.text(CopilotPrompt.failedToolResult("boom"))]),
            .user([.text("T\nhttps://s\nfound")]),
        ])
        #expect(turn.prompt.contains(#"<tool_result name="get_weather" id="toolu_1">"#))
        #expect(turn.space == .anthropicMessages)
    }

    @Test func aToolResultForACallThatNeverHappenedIsRefusedAsAnthropicRefusesIt() throws {
        func body(results: String) -> String {
            #"{"model": "claude", "max_tokens": 10, "messages": [{"role": "user", "content": "Weather?"}, "#
                + #"{"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]}, "#
                + #"{"role": "user", "content": [\#(results)]}]}"#
        }
        let answered = #"{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}"#
        let orphan = #"{"type": "tool_result", "tool_use_id": "toolu_nobody", "content": "rain"}"#
        #expect(throws: AnthropicError.invalidRequest(
            "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_nobody. Each `tool_result` block must have a corresponding `tool_use` block in an earlier message.")) {
            try turn(body(results: answered + ", " + orphan))
        }
        #expect(try turn(body(results: answered)).newTurn == [.toolResult(callID: "toolu_1", name: nil, [.text("sunny")])])
    }

    @Test func toolsAndToolChoiceBecomeTheCatalogueAndWebSearchTurnsGroundingOn() throws {
        let base = #""model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "tools": [{"name": "a", "input_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}}, {"type": "web_search_20250305", "name": "web_search"}]"#
        let auto = try turn("{\(base)}")
        #expect(auto.tools?.choice == .auto && auto.tools?.allowsParallelCalls == true && auto.webSearch == true)
        #expect(auto.tools?.tools.map(\.name) == ["a"])
        #expect(try turn(#"{\#(base), "tool_choice": {"type": "any", "disable_parallel_tool_use": true}}"#).tools?.allowsParallelCalls == false)
        #expect(try turn(#"{\#(base), "tool_choice": {"type": "tool", "name": "a"}}"#).tools?.choice == .named("a"))
        #expect(try turn(#"{\#(base), "tool_choice": {"type": "none"}}"#).tools == nil)
    }

    @Test(arguments: [
        (#"{"model": "c", "messages": [{"role": "user", "content": "hi"}]}"#, "max_tokens"),
        (#"{"model": "c", "max_tokens": 0, "messages": [{"role": "user", "content": "hi"}]}"#, "max_tokens"),
        (#"{"model": "c", "max_tokens": 10, "messages": []}"#, "messages"),
        (#"{"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "bash_20250124", "name": "bash"}]}"#, "bash_20250124"),
        (#"{"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "tools": [{"name": "bad name"}]}"#, "tools.0.name"),
        (#"{"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "tools": [{"name": "a"}], "tool_choice": {"type": "tool", "name": "b"}}"#, "tool_choice.name"),
        (#"{"model": "c", "max_tokens": 10, "messages": [{"role": "assistant", "content": "hi"}]}"#, "user message"),
        (#"{"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "{"}]}"#, "prefill"),
        (#"{"model": "c", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "mcp_toolset", "mcp_server_name": "x"}]}"#, "mcp_toolset"),
    ])
    func badRequestsAreRefusedWithAMessageThatNamesTheProblem(json: String, named: String) throws {
        let request = try decode(json)
        do throws(AnthropicError) {
            _ = try request.turnRequest(caller: "anonymous")
            Issue.record("expected an error")
        } catch {
            #expect(error.status == .badRequest && error.type == "invalid_request_error")
            #expect(error.message.contains(named), "\(error.message)")
        }
    }

    @Test func aBlockOfAnUnknownTypeIsADecodingErrorNamingIt() {
        #expect(throws: JSONBody.Problem.self) { try decode(#"{"model": "c", "max_tokens": 1, "messages": [{"role": "user", "content": [{"type": "video"}]}]}"#) }
        do throws(JSONBody.Problem) {
            _ = try JSONBody.decode(
                MessagesRequest.self, from: ByteBuffer(string: #"{"model": "c", "max_tokens": 1, "messages": [{"role": "user", "content": [{"type": "video"}]}]}"#),
                what: "a valid Messages API request")
        } catch {
            #expect(error.message.contains("'video'") && error.param == "messages[0].content[0].type")
        }
    }

    @Test func claudeCodesSessionIdIsTheSessionAndItsAttributionBlockIsNoInstruction() throws {
        let json = #"{"model": "c", "max_tokens": 10, "system": [{"type": "text", "text": "x-anthropic-billing-header: cch=1;"}, {"type": "text", "text": "You are Claude Code."}], "metadata": {"user_id": "{\"device_id\":\"d\",\"session_id\":\"s-1\"}"}, "messages": [{"role": "user", "content": "hi"}]}"#
        let turn = try turn(json)
        #expect(turn.instructions == "You are Claude Code.")
        #expect(turn.sessionKey == "session:s-1")
        #expect(try self.turn(json, session: "header-2").sessionKey == "session:header-2")
    }

    /// Only a short, flat `user_id` is read as JSON: a long or nested one (a 5 MB one nested 120
    /// deep cost 22 s of CPU) is a user name as it stands, kept as its digest.
    @Test func aUserIDIsReadForASessionOnlyWhenItIsShortAndFlat() {
        #expect(MessagesRequest.sessionID(inUserID: #"{"device_id":"d","account_uuid":"a","session_id":"s-1"}"#) == "s-1")
        let padded = #"{"session_id":"s-2","pad":""# + String(repeating: "p", count: 1100) + #""}"#
        #expect(MessagesRequest.sessionID(inUserID: padded) == nil, "longer than 1 KiB")
        #expect(MessagesRequest.sessionID(inUserID: #"{"session_id":"s-3","x":{"y":1}}"#) == nil, "nested")
        let deep = "{\"a\":" + String(repeating: "[", count: 120) + String(repeating: "]", count: 120) + "}"
        #expect(MessagesRequest.sessionID(inUserID: deep) == nil)
        #expect(MessagesRequest.sessionID(inUserID: "user_abc_account_def_session_ghi") == nil)
    }

    @Test func aStreamOpensAndClosesEachBlockAndEndsWithTheStopReason() throws {
        var encoder = MessagesEncoder(model: "claude", estimatedInputTokens: 7, id: "msg_1")
        var text = String(buffer: try encoder.opening())
        for event: ReplyEvent in [
            .textDelta("Let me "), .textDelta("look."), .toolCallStarted(index: 0, id: "call_abc", name: "get_weather"),
            .toolCallArguments(index: 0, fragment: #"{"city":"#), .toolCallArguments(index: 0, fragment: #""Paris"}"#),
            .finished(.toolCalls, TokenUsage(input: 9, output: 4)),
        ] {
            text += String(buffer: try encoder.encode(event))
        }
        let events = text.split(separator: "\n\n").map { frame in
            let lines = frame.split(separator: "\n")
            return (String(lines[0].dropFirst("event: ".count)), String(lines[1].dropFirst("data: ".count)))
        }
        #expect(events.map(\.0) == [
            "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
        ])
        #expect(events[0].1.contains(#""input_tokens":7"#))
        #expect(events[6].1.contains(#""id":"toolu_abc""#) && events[6].1.contains(#""index":1"#))
        #expect(events[7].1.contains(#""partial_json":"{\"city\":""#))
        #expect(events[10].1.contains(#""stop_reason":"tool_use""#) && events[10].1.contains(#""output_tokens":4"#))
    }

    @Test(arguments: [
        (TurnError.upstreamBusy(limit: 4, waitedSeconds: 30).failure, 529, "overloaded_error"),
        (UpstreamError.status(503, code: nil, message: nil, retryAfter: 2).failure, 529, "overloaded_error"),
        (UpstreamError.notSignedIn("sign in").failure, 502, "api_error"),
        (UpstreamError.status(403, code: nil, message: nil, retryAfter: nil).failure, 403, "permission_error"),
        (UpstreamError.status(429, code: nil, message: nil, retryAfter: 9).failure, 429, "rate_limit_error"),
        (UpstreamError.status(413, code: nil, message: nil, retryAfter: nil).failure, 400, "invalid_request_error"),
        (UpstreamError.timeout.failure, 504, "timeout_error"),
        (UpstreamError.status(500, code: nil, message: nil, retryAfter: nil).failure, 502, "api_error"),
    ])
    func domainErrorsBecomeAnthropicsTypesAndStatuses(failure: ClientFailure, status: Int, type: String) throws {
        let error = AnthropicError(failure)
        #expect(error.status.code == status && error.type == type)
        #expect(error.message.hasSuffix(failure.message))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(error.jsonBytes)) as? [String: Any])
        #expect(body["type"] as? String == "error")
        #expect((body["error"] as? [String: Any])?["type"] as? String == type)
    }

    @Test func replayedServerBlocksToolReferencesAndTextDocumentsAreReadNotRefused() throws {
        let turn = try turn(#"""
            {"model": "c", "max_tokens": 10, "tools": [{"type": "tool_search_tool_regex_20251119", "name": "tool_search"}, {"name": "a"}],
             "messages": [
              {"role": "user", "content": [{"type": "document", "title": "Notes", "source": {"type": "text", "media_type": "text/plain", "data": "Buy milk."}}]},
              {"role": "assistant", "content": [{"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}},
                {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}, {"type": "text", "text": "Found it."},
                {"type": "tool_use", "id": "toolu_9", "name": "tool_search", "input": {"query": "a"}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": [{"type": "tool_reference", "tool_name": "a"}, {"type": "text", "text": "loaded"}]}]}]}
            """#)
        #expect(turn.history == [
            .user([.text("Notes\nBuy milk.")]),
            .assistant([.text("Found it.")], calls: [HistoryCall(id: "toolu_9", name: "tool_search", arguments: #"{"query":"a"}"#)]),
        ])
        #expect(turn.newTurn == [.toolResult(callID: "toolu_9", name: nil, [.text("loaded")])])
        #expect(turn.tools?.tools.map(\.name) == ["a"])
    }

    @Test func aMessageTooLongForCopilotIsAPromptTooLongError() {
        let error = AnthropicError(UpstreamError.status(413, code: nil, message: nil, retryAfter: nil))
        #expect(error.type == "invalid_request_error" && error.message.hasPrefix("prompt is too long: "))
    }

    @Test func theReportedInputIsTheConversationsEstimateAtTheStartAndTheEnd() throws {
        var encoder = MessagesEncoder(model: "claude", estimatedInputTokens: 120, id: "msg_1")
        let start = String(buffer: try encoder.opening())
        let end = String(buffer: try encoder.encode(.finished(.stop, TokenUsage(input: 3, output: 4))))
        #expect(start.contains(#""input_tokens":120"#) && end.contains(#""input_tokens":120"#) && end.contains(#""output_tokens":4"#))
        let whole = encoder.message(TurnReply(text: "hi", finishReason: .stop, usage: TokenUsage(input: 3, output: 4)))
        #expect(whole.usage.inputTokens == 120 && whole.usage.outputTokens == 4)
    }
}
