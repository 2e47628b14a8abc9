import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// What the published documents of the three APIs require of requests and answers, end to end.
@Suite struct ContractRouteTests {
    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func anthropicBody(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    @Test func aRequestWithoutAModelIsA400InEachDialectsShape() async throws {
        try await GatewayHarness.run { client, _ in
            let chat = try await Self.post(client, "/v1/chat/completions", #"{"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(chat.status == .badRequest)
            #expect(try chat.openAIError["param"] as? String == "model" && chat.openAIError["code"] as? String == "missing_required_parameter")
            let responses = try await Self.post(client, "/v1/responses", #"{"input":"hi"}"#)
            #expect(responses.status == .badRequest)
            #expect(try responses.openAIError["message"] as? String == "Missing required parameter: 'model'.")
            let messages = try await Self.post(client, "/v1/messages", #"{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(messages.status == .badRequest)
            let error = try #require(try Self.anthropicBody(messages)["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error" && error["message"] as? String == "model: Field required")
        }
    }

    @Test(arguments: [
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"robot","content":"hi"}]}"#, "messages.0.role: 'robot' is not one of 'user', 'assistant' or 'system'"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#, "max_tokens: Field required"),
        (#"{"model":"m","max_tokens":"5","messages":[{"role":"user","content":"hi"}]}"#, "max_tokens: Input should be a valid integer"),
        (#"{"model":"m","max_tokens":5,"temperature":1.5,"messages":[{"role":"user","content":"hi"}]}"#, "temperature: must be at most 1 (got 1.5)"),
        (#"{"model":"m","max_tokens":5,"messages":"hi"}"#, "messages: Input should be a valid list"),
    ])
    func anthropicValidationErrorsNameTheFieldInAnthropicsWordsWithTheRequestID(body: String, message: String) async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await Self.post(client, "/v1/messages", body)
            #expect(response.status == .badRequest)
            let answer = try Self.anthropicBody(response)
            #expect((answer["error"] as? [String: Any])?["message"] as? String == message)
            let requestID = try #require(answer["request_id"] as? String)
            #expect(response.headers[.anthropicRequestID] == requestID)
        }
    }

    @Test(arguments: [
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"top_p":2}"#, "top_p", "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"reasoning_effort":"max"}"#, "reasoning_effort", "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"k":1}}"#, "metadata.k", "invalid_type"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}"#, "stop", "invalid_value"),
        (#"{"model":"m","messages":[{"role":"wizard","content":"hi"}]}"#, "messages[0].role", "invalid_value"),
        (#"{"model":"m","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}"#, "response_format.type", "invalid_value"),
    ])
    func chatFieldsOfTheWrongTypeOrRangeAreRefusedNamingTheParam(body: String, param: String, code: String) async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await Self.post(client, "/v1/chat/completions", body)
            #expect(response.status == .badRequest)
            let error = try response.openAIError
            #expect(error["param"] as? String == param && error["code"] as? String == code)
            #expect((error["message"] as? String)?.contains("Cannot initialize") == false)
        }
    }

    @Test(arguments: [
        (#"{"model":"m","input":"hi","metadata":"x"}"#, "metadata"),
        (#"{"model":"m","input":"hi","max_output_tokens":3}"#, "max_output_tokens"),
        (#"{"model":"m","input":"hi","reasoning":{"effort":"huge"}}"#, "reasoning.effort"),
        (#"{"model":"m","input":"hi","tools":{}}"#, "tools"),
        (#"{"model":"m","input":"hi","background":true}"#, "background"),
        (#"{"model":"m","input":"hi","tool_choice":{}}"#, "tool_choice"),
        (#"{"model":"m","input":"hi","tools":[{"type":"function","name":"f","parameters":1.5}]}"#, "tools[0].parameters"),
        (#"{"model":"m","input":"hi","tools":[{"type":"function","name":"f","strict":"yes"}]}"#, "tools[0].strict"),
        (##"{"model":"m","input":"hi","text":{"format":{"type":"#"}}}"##, "text.format.type"),
        (#"{"model":"m","input":"hi","text":{"format":null}}"#, "text.format"),
        (#"{"model":"m","input":"hi","text":{"format":{"type":"json_schema","schema":{"type":"object"}}}}"#, "text.format.name"),
        (#"{"model":"m","input":"hi","text":{"format":{"type":"json_schema","name":"n"}}}"#, "text.format.schema"),
    ])
    func responsesFieldsThatWouldBeEchoedAreCheckedFirst(body: String, param: String) async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await Self.post(client, "/v1/responses", body)
            #expect(response.status == .badRequest)
            #expect(try response.openAIError["param"] as? String == param)
        }
    }

    @Test func aResponseEchoesOnlyValidFieldsWithTheDocumentsDefaults() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await Self.post(
                client, "/v1/responses",
                #"{"model":"m","input":"hi","temperature":0.5,"tools":[{"type":"function","name":"f"}],"reasoning":{"effort":"low"}}"#)
            let object = try response.json
            #expect(object["temperature"] as? Double == 0.5 && object["top_p"] as? Double == 1)
            #expect((object["tools"] as? [[String: Any]])?.first?.keys.sorted() == ["description", "name", "parameters", "strict", "type"])
            #expect(object["reasoning"] as? NSDictionary == ["effort": "low", "summary": NSNull()] as NSDictionary)
            #expect(object["completed_at"] is Int && object["background"] as? Bool == false && object["service_tier"] as? String == "default")
        }
    }

    @Test func aChatAnswerCarriesItsCitationsAsURLCitationAnnotations() async throws {
        try await GatewayHarness.run { client, _ in
            for index in 1...8 {
                let response = try await client.chat(["messages": [["role": "user", "content": "Ground this, please (\(index))."]]])
                let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
                #expect(choice.keys.contains("logprobs") && choice["logprobs"] is NSNull)
                let message = try #require(choice["message"] as? [String: Any])
                #expect(message["refusal"] is NSNull)
                let annotations = try #require(message["annotations"] as? [[String: Any]])
                let content = try #require(message["content"] as? String)
                guard content.contains("\n[1]: <") else {
                    #expect(annotations.isEmpty)
                    continue
                }
                let first = try #require(annotations.first?["url_citation"] as? [String: Any])
                #expect(annotations.first?["type"] as? String == "url_citation")
                #expect((first["url"] as? String)?.hasPrefix("https://") == true && first["title"] is String)
                let start = try #require(first["start_index"] as? Int)
                #expect(Array(content.unicodeScalars)[start] == "[")
                return
            }
            Issue.record("no prompt got a cited answer")
        }
    }

    @Test func endpointsCopilotCannotServeSaySoInOpenAIsShape() async throws {
        try await GatewayHarness.run { client, _ in
            for (uri, code) in [("/v1/embeddings", "embeddings_unsupported"), ("/v1/audio/speech", "audio_unsupported"), ("/v1/completions", "completions_unsupported")] {
                let response = try await Self.post(client, uri, #"{"model":"m","input":"hi"}"#)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try response.openAIError["code"] as? String == code)
            }
        }
    }

    @Test func anAnthropicModelCarriesItsCapabilitiesAsNull() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.execute(uri: "/v1/models", method: .get, headers: [.anthropicVersion: "2023-06-01"])
            let model = try #require((try response.json["data"] as? [[String: Any]])?.first)
            #expect(model.keys.contains("capabilities") && model["capabilities"] is NSNull)
        }
    }

    @Test func aFailedStreamClosesTheItemItOpenedBeforeResponseFailed() throws {
        var encoder = ResponsesEncoder(model: "m", echoed: [:], customTools: [], id: "resp_1", createdAt: 1)
        _ = try encoder.encode(.textDelta("Half an ans"))
        let text = String(buffer: encoder.failure(ClientFailure(status: 502, kind: .server, message: "Copilot went away.")))
        let names = text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { $0.dropFirst(7) }
        #expect(names == ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.failed"])
        #expect(text.contains(#""status":"incomplete""#) && text.contains(#""status":"failed""#))
        let sequences = text.matches(of: /"sequence_number":(\d+)/).compactMap { Int($0.output.1) }
        #expect(sequences == [5, 6, 7, 8])
    }

    @Test func aKeptResponseSaysWhenItCompletedAsItsAnswerDid() async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await Self.post(client, "/v1/responses", #"{"model":"m","input":"REPLY `a` ONLY"}"#)
            let id = try #require(try answer.json["id"] as? String)
            try await Task.sleep(for: .milliseconds(1100))
            let kept = try await client.execute(uri: "/v1/responses/\(id)", method: .get)
            #expect(try kept.json["completed_at"] as? Int == (try answer.json["completed_at"] as? Int))
        }
    }

    @Test func anAnthropicTextBlockCarriesCopilotsCitationsAsWebSearchResultLocations() throws {
        let encoder = MessagesEncoder(model: "claude", id: "msg_1")
        let text = "The plan is due Friday [1].\n\n[1]: <https://contoso.example/plan> \"Plan\""
        let reply = TurnReply(text: text, toolCalls: [], finishReason: .stop, usage: TokenUsage(input: 1, output: 1))
        guard case .array(let blocks)? = encoder.message(reply).json["content"], let block = blocks.first else {
            Issue.record("no content block")
            return
        }
        #expect(block["citations"] == JSONValue.array([JSONValue.object([
            "type": .string("web_search_result_location"), "url": .string("https://contoso.example/plan"), "title": .string("Plan"),
            "cited_text": .string("The plan is due Friday"), "encrypted_index": .string("23"),
        ])]))
        let plain = TurnReply(text: "No sources.", toolCalls: [], finishReason: .stop, usage: TokenUsage(input: 1, output: 1))
        guard case .array(let plainBlocks)? = encoder.message(plain).json["content"] else {
            Issue.record("no content")
            return
        }
        #expect(plainBlocks.first?["citations"] == JSONValue.null)
    }

    @Test func aWrongMethodIsA405NamingTheMethodsOfTheRouteTheRouterWouldTake() async throws {
        try await GatewayHarness.run { client, _ in
            let compact = try await client.execute(uri: "/v1/responses/compact", method: .put)
            #expect(compact.status == .methodNotAllowed && compact.headers[.allow] == "POST")
            let kept = try await client.execute(uri: "/v1/responses/resp_1", method: .put)
            #expect(kept.status == .methodNotAllowed)
            #expect(kept.headers[.allow] == "DELETE, GET")
        }
    }
}
