import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// `/v1/messages` end to end against the simulator: errors of every layer in Anthropic's shape.
@Suite struct MessagesRouteTests {
    func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
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
            #expect(try anthropicError(tooLarge).type == "request_too_large")
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
}
