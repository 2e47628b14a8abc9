import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// `POST /v1/images/generations` explains in OpenAI's error shape that Copilot Chat makes no images.
@Suite struct ImagesRouteTests {
    @Test(arguments: ["/v1/images/generations", "/images/generations"])
    func imageGenerationAnswers400Unsupported(path: String) async throws {
        try await GatewayHarness.run { client, simulator in
            let body = ByteBuffer(string: #"{"model":"dall-e-3","prompt":"a cat in a hat","n":1,"size":"1024x1024"}"#)
            let response = try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/json")
            let error = try response.openAIError
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["code"] as? String == "image_generation_unsupported")
            #expect(error["param"] is NSNull)
            let message = try #require(error["message"] as? String)
            #expect(message.contains("Microsoft 365 Copilot Chat API"))
            #expect(message.contains("description") && message.contains("prompt"))
            #expect(await simulator.recordedRequests.isEmpty, "nothing reaches Copilot")
        }
    }

    @Test func anEmptyBodyGetsTheSameAnswer() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.execute(uri: "/v1/images/generations", method: .post)
            #expect(response.status == .badRequest)
            #expect(try response.openAIError["code"] as? String == "image_generation_unsupported")
        }
    }
}
