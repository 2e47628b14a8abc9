import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

extension TestClientProtocol {
    /// `POST /v1/responses` with a JSON object body.
    fileprivate func createResponse(_ body: [String: Any], headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        let data = try JSONSerialization.data(withJSONObject: withModel(body))
        return try await execute(uri: "/v1/responses", method: .post, headers: headers, body: ByteBuffer(bytes: data))
    }

    /// `GET` or `DELETE /v1/responses/{id}`.
    fileprivate func keptResponse(_ id: String, _ method: HTTPRequest.Method = .get, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: "/v1/responses/\(id)", method: method, headers: headers)
    }
}

extension HTTPAnswer {
    /// The `id` of a response object.
    fileprivate var responseID: String {
        get throws { try #require(try json["id"] as? String) }
    }
}

/// The text of a response object's message item.
private func outputText(_ response: [String: Any]) throws -> String {
    let items = try #require(response["output"] as? [[String: Any]])
    let message = try #require(items.first { $0["type"] as? String == "message" })
    let part = try #require((message["content"] as? [[String: Any]])?.first)
    #expect(part["type"] as? String == "output_text")
    return try #require(part["text"] as? String)
}

/// `/v1/responses` end to end against the simulator: whole and streamed answers, the responses kept
/// for `previous_response_id` and `GET`/`DELETE`, whose they are, and errors in OpenAI's shape.
@Suite struct ResponsesRouteTests {
    @Test func aWholeAnswerIsACompletedResponseWithTheReplyAsOutputText() async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await client.createResponse(["model": "copilot", "input": "REPLY `PONG` ONLY"])
            #expect(answer.status == .ok)
            let response = try answer.json
            #expect((response["id"] as? String)?.hasPrefix("resp_") == true)
            #expect(response["object"] as? String == "response")
            #expect(response["status"] as? String == "completed")
            #expect(response["model"] as? String == "copilot")
            let items = try #require(response["output"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["type"] as? String == "message" && items.first?["role"] as? String == "assistant")
            #expect(try outputText(response) == "PONG")
            let usage = try #require(response["usage"] as? [String: Any])
            #expect((usage["input_tokens"] as? Int ?? 0) > 0 && (usage["output_tokens"] as? Int ?? 0) > 0)
        }
    }

    @Test func aStreamRunsFromCreatedThroughTextDeltasToCompletedWithNumberedNamedEvents() async throws {
        try await GatewayHarness.run(simulator: .init(snapshotCount: 6, eventDelay: .zero)) { client, _ in
            let text = "The quick brown fox jumps over the lazy dog, and then it runs far away."
            let answer = try await client.createResponse(["input": "REPLY `\(text)` ONLY", "stream": true])
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = try answer.namedEvents
            #expect(events.allSatisfy { !$0.name.isEmpty && $0.name == $0.type }, "every event has its `event:` line")
            #expect(events.map { $0.data["sequence_number"] as? Int } == Array(0..<events.count))
            #expect(events.first?.name == "response.created" && events.last?.name == "response.completed")
            #expect(events.filter { $0.name == "response.completed" }.count == 1)
            let deltas = events.filter { $0.name == "response.output_text.delta" }
            #expect(deltas.count > 1, "the text arrives in pieces")
            let streamed = deltas.compactMap { $0.data["delta"] as? String }.joined()
            let completed = try #require(events.last?.data["response"] as? [String: Any])
            #expect(completed["status"] as? String == "completed")
            #expect(streamed == text)
            #expect(try outputText(completed) == streamed)
            let created = try #require(events.first?.data["response"] as? [String: Any])
            #expect(created["id"] as? String == completed["id"] as? String)
        }
    }

    @Test func previousResponseIDContinuesTheSameCopilotConversationWithOnlyTheNewMessage() async throws {
        try await GatewayHarness.run { client, simulator in
            let first = try await client.createResponse(["instructions": "You are Mika, a cheerful cat.", "input": "Remember: the codeword is KIWI."])
            let id = try first.responseID
            let second = try await client.createResponse(["input": "What is the codeword?", "previous_response_id": id])
            #expect(second.status == .ok)
            #expect(try outputText(second.json).contains("KIWI"))
            #expect(try second.json["previous_response_id"] as? String == id)
            #expect(await simulator.createdConversationCount() == 1)
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 2 && conversations[0] == conversations[1])
            let turns = try await simulator.recordedBodies(pathSuffix: "/chat")
            #expect(turns.count == 2)
            #expect((turns.last?["message"] as? [String: Any])?["text"] as? String == "What is the codeword?")
            #expect(turns.last?["additionalContext"] == nil, "the instructions and the first turn are not sent again")
        }
    }

    @Test func aChainOfContinuationsWhoseMiddleTurnStreamedStaysInOneConversation() async throws {
        try await GatewayHarness.run { client, simulator in
            let first = try await client.createResponse(["input": "Remember: the codeword is LIME."]).responseID
            let streamed = try await client.createResponse(["input": "Nice weather today.", "previous_response_id": first, "stream": true])
            let second = try #require((try streamed.namedEvents.last?.data["response"] as? [String: Any])?["id"] as? String)
            let third = try await client.createResponse(["input": "What is the codeword?", "previous_response_id": second])
            #expect(try outputText(third.json).contains("LIME"))
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 3 && Set(conversations).count == 1)
        }
    }

    @Test func aFunctionCallIsAnsweredByItsOutputAloneAfterPreviousResponseID() async throws {
        try await GatewayHarness.run { client, simulator in
            let tools: [[String: Any]] = [[
                "type": "function", "name": "get_weather",
                "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
            ]]
            let asked = try await client.createResponse(["input": #"call get_weather {"city": "Rome"}"#, "tools": tools])
            let call = try #require((try asked.json["output"] as? [[String: Any]])?.first)
            #expect(call["type"] as? String == "function_call" && call["name"] as? String == "get_weather")
            #expect(call["arguments"] as? String == #"{"city":"Rome"}"#)
            let callID = try #require(call["call_id"] as? String)
            let answered = try await client.createResponse([
                "previous_response_id": try asked.responseID, "tools": tools,
                "input": [["type": "function_call_output", "call_id": callID, "output": "rain"]],
            ])
            #expect(answered.status == .ok)
            #expect(try outputText(answered.json) == "The get_weather tool returned: rain")
            #expect(Set(await simulator.turnConversations()).count == 1, "the output continues the conversation that made the call")
        }
    }

    @Test(arguments: [false, true])
    func getReturnsTheKeptResponseAsItWasAnswered(stream: Bool) async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await client.createResponse(["input": "REPLY `Kept for later.` ONLY", "stream": stream])
            let answered = try #require(stream ? try answer.namedEvents.last?.data["response"] as? [String: Any] : try answer.json)
            let id = try #require(answered["id"] as? String)
            let kept = try await client.keptResponse(id)
            #expect(kept.status == .ok)
            #expect(try kept.json as NSDictionary == answered as NSDictionary)
            #expect(try outputText(kept.json) == "Kept for later.")
        }
    }

    @Test func deleteForgetsTheResponseSoGetIs404AndContinuingIsA400() async throws {
        try await GatewayHarness.run { client, simulator in
            let id = try await client.createResponse(["input": "Hello!"]).responseID
            let deleted = try await client.keptResponse(id, .delete)
            #expect(deleted.status == .ok)
            #expect(try deleted.json as NSDictionary == ["id": id, "object": "response.deleted", "deleted": true] as NSDictionary)
            let gone = try await client.keptResponse(id)
            #expect(gone.status == .notFound)
            #expect(try gone.openAIError["code"] as? String == "response_not_found")
            #expect(try await client.keptResponse(id, .delete).status == .notFound)
            let continued = try await client.createResponse(["input": "And now?", "previous_response_id": id])
            #expect(continued.status == .badRequest)
            let error = try continued.openAIError
            #expect(error["param"] as? String == "previous_response_id")
            #expect(error["code"] as? String == "previous_response_not_found")
            #expect(await simulator.turnConversations().count == 1, "the refused continuation never reached Copilot")
        }
    }

    @Test func aResponseWithStoreFalseIsNotKept() async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await client.createResponse(["input": "REPLY `Gone.` ONLY", "store": false])
            #expect(answer.status == .ok)
            #expect(try answer.json["store"] as? Bool == false)
            let id = try answer.responseID
            #expect(try await client.keptResponse(id).status == .notFound)
            let continued = try await client.createResponse(["input": "And now?", "previous_response_id": id])
            #expect(continued.status == .badRequest)
            #expect(try continued.openAIError["param"] as? String == "previous_response_id")
        }
    }

    @Test func aKeptResponseExpiresWithTheSessionTTL() async throws {
        // Six seconds, so that a loaded machine (the suite runs its tests side by side) still reads the
        // response back before it expires.
        try await GatewayHarness.run(environment: ["COPILOT_SESSION_TTL": "6"]) { client, _ in
            let id = try await client.createResponse(["input": "Hello!"]).responseID
            #expect(try await client.keptResponse(id).status == .ok)
            try await Task.sleep(for: .milliseconds(6300))
            #expect(try await client.keptResponse(id).status == .notFound)
        }
    }

    @Test func onlyTheNewestResponsesUpToTheConversationCapAreKept() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_MAX_CONVERSATIONS": "2"]) { client, _ in
            var ids: [String] = []
            for text in ["One.", "Two.", "Three."] { ids.append(try await client.createResponse(["input": text]).responseID) }
            #expect(try await client.keptResponse(ids[0]).status == .notFound)
            #expect(try await client.keptResponse(ids[1]).status == .ok)
            #expect(try await client.keptResponse(ids[2]).status == .ok)
        }
    }

    static let keyA = "responses-key-a-0123456789abcdef"
    static let keyB = "responses-key-b-0123456789abcdef"

    @Test func anotherAPIKeysResponseIsNotFoundAndCannotBeContinued() async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_API_KEYS": "\(Self.keyA),\(Self.keyB)"]) { client, simulator in
            let a: HTTPFields = [.authorization: "Bearer \(Self.keyA)"]
            let b: HTTPFields = [HTTPField.Name("x-api-key")!: Self.keyB]
            let id = try await client.createResponse(["input": "the codeword is FIG"], headers: a).responseID
            let read = try await client.keptResponse(id, headers: b)
            #expect(read.status == .notFound)
            #expect(try read.openAIError["code"] as? String == "response_not_found")
            #expect(try await client.keptResponse(id, .delete, headers: b).status == .notFound)
            let continued = try await client.createResponse(["input": "What is the codeword?", "previous_response_id": id], headers: b)
            #expect(continued.status == .badRequest)
            #expect(try continued.openAIError["param"] as? String == "previous_response_id")
            #expect(await simulator.turnConversations().count == 1, "key B's continuation never reached Copilot")
            #expect(try await client.keptResponse(id, headers: a).status == .ok, "key B's DELETE did not delete it")
            let own = try await client.createResponse(["input": "What is the codeword?", "previous_response_id": id], headers: a)
            #expect(own.status == .ok)
            #expect(try outputText(own.json).contains("FIG"))
        }
    }

    @Test(arguments: [
        (#"{"model":"copilot"}"#, "input", "input"),
        (#"{"model":"copilot","input":[]}"#, "input", "must not be empty"),
        (#"{"model":"copilot","input":"hi","stream":"yes"}"#, "stream", "expected a boolean"),
        (#"{"model":"copilot","input":[{"role":"robot","content":"hi"}]}"#, "input[0].role", "robot"),
        (#"{"model":"copilot","input":[{"type":"function_call_output","call_id":"call_x","output":"1"}]}"#, "input[0].call_id", "call_x"),
        (#"{"model":"copilot","input":"hi","tools":[{"type":"file_search"}]}"#, "tools[0].type", "file_search"),
        (#"{"model":"copilot","input":"hi","tool_choice":"sometimes","tools":[{"type":"function","name":"f"}]}"#, "tool_choice", "tool_choice"),
        (#"{"model":"copilot","input":"hi","text":{"format":{"type":"yaml"}}}"#, "text.format.type", "yaml"),
        (#"{"model":"copilot","input":"hi","conversation":"conv_1"}"#, "conversation", "conversation"),
        (#"{"model":"copilot","input":"hi","previous_response_id":"resp_never"}"#, "previous_response_id", "resp_never"),
    ])
    func badRequestsAnswer400InOpenAIsShapeNamingTheField(body: String, param: String, phrase: String) async throws {
        try await GatewayHarness.run { client, simulator in
            let answer = try await client.execute(
                uri: "/v1/responses", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(answer.status == .badRequest)
            let error = try answer.openAIError
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["param"] as? String == param)
            #expect((error["message"] as? String)?.contains(phrase) == true, "\(error["message"] ?? "")")
            #expect(await simulator.recordedRequests.isEmpty, "a bad request must not reach Copilot")
        }
    }

    @Test func aWrongKeyIs401AndAnUnknownIdIs404BothInOpenAIsShape() async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_API_KEYS": Self.keyA]) { client, _ in
            let wrong = try await client.createResponse(["input": "hi"], headers: [.authorization: "Bearer not-the-key-0123456789"])
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.openAIError["code"] as? String == "invalid_api_key")
            let unknown = try await client.keptResponse("resp_never", headers: [.authorization: "Bearer \(Self.keyA)"])
            #expect(unknown.status == .notFound)
            let error = try unknown.openAIError
            #expect(error["type"] as? String == "invalid_request_error" && error["param"] is NSNull)
        }
    }
}
