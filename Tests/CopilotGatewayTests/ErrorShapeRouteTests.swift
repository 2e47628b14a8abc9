import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// The route decides the shape of every error on it, whichever layer raises it: each dialect's routes
/// answer in their dialect's shape (a missing key, a body over the limit, a bad body alike), whatever
/// headers the request carries; only the routes every dialect shares and unknown paths follow the
/// request's `anthropic-version` header.
@Suite struct ErrorShapeRouteTests {
    static let anthropicRoutes = ["/v1/messages", "/messages", "/v1/messages/count_tokens", "/messages/count_tokens"]
    static let openAIRoutes = ["/v1/chat/completions", "/chat/completions", "/v1/responses", "/responses", "/v1/images/generations"]
    static let environment = ["GATEWAY_API_KEYS": "shape-route-key-0123456789", "GATEWAY_MAX_BODY_MB": "1"]

    func post(_ client: some TestClientProtocol, _ uri: String, _ body: ByteBuffer, headers: HTTPFields) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await client.execute(uri: uri, method: .post, headers: headers, body: body)
    }

    /// "anthropic" or "openai", by the body's shape.
    func shape(_ response: TestResponse) throws -> String {
        let body = try response.json
        if body["type"] as? String == "error", body["error"] is [String: Any] { return "anthropic" }
        let error = try #require(body["error"] as? [String: Any])
        #expect(Set(error.keys) == ["message", "type", "param", "code"])
        return "openai"
    }

    @Test func everyLayersErrorsOnADialectsRoutesTakeItsShapeWhateverTheHeaders() async throws {
        try await GatewayHarness.run(environment: Self.environment) { client, _ in
            let key: HTTPFields = [.authorization: "Bearer shape-route-key-0123456789"]
            let anthropicHeader: HTTPFields = [.anthropicVersion: "2023-06-01"]
            for (routes, expected) in [(Self.anthropicRoutes, "anthropic"), (Self.openAIRoutes, "openai")] {
                for route in routes {
                    for headers in [HTTPFields(), anthropicHeader] {
                        let noKey = try await post(client, route, ByteBuffer(string: "{}"), headers: headers)
                        let noKeyShape = try shape(noKey)
                        #expect(noKey.status == .unauthorized && noKeyShape == expected, "\(route) without a key")
                        var withKey = key
                        withKey.append(contentsOf: headers)
                        let tooLarge = try await post(client, route, ByteBuffer(repeating: UInt8(ascii: " "), count: (1 << 20) + 1), headers: withKey)
                        let tooLargeShape = try shape(tooLarge)
                        #expect(tooLarge.status == .contentTooLarge && tooLargeShape == expected, "\(route) with too large a body")
                        let anthropicID = tooLarge.headers[.anthropicRequestID]
                        #expect((anthropicID != nil) == (expected == "anthropic"), "\(route): request-id only on Anthropic's routes")
                    }
                }
            }
        }
    }

    @Test func sharedRoutesAndUnknownPathsFollowTheAnthropicVersionHeader() async throws {
        try await GatewayHarness.run(environment: Self.environment) { client, _ in
            let key: HTTPFields = [.authorization: "Bearer shape-route-key-0123456789"]
            var anthropic = key
            anthropic[.anthropicVersion] = "2023-06-01"
            for uri in ["/v1/models/no-such-model", "/v1/no-such-path"] {
                let plain = try await client.execute(uri: uri, method: .get, headers: key)
                let plainShape = try shape(plain)
                #expect(plain.status == .notFound && plainShape == "openai")
                let asAnthropic = try await client.execute(uri: uri, method: .get, headers: anthropic)
                let anthropicShape = try shape(asAnthropic)
                #expect(asAnthropic.status == .notFound && anthropicShape == "anthropic")
                #expect(asAnthropic.headers[.anthropicRequestID]?.isEmpty == false)
            }
        }
    }

    @Test func aWrongMethodOnADialectsPathIsA405NamingTheRightOnesInThatDialectsShapeWhateverTheHeaders() async throws {
        try await GatewayHarness.run(environment: Self.environment) { client, _ in
            let key: HTTPFields = [.authorization: "Bearer shape-route-key-0123456789"]
            var anthropic = key
            anthropic[.anthropicVersion] = "2023-06-01"
            for (uri, expected) in [("/v1/messages", "anthropic"), ("/v1/messages/count_tokens", "anthropic"), ("/v1/chat/completions", "openai")] {
                for headers in [key, anthropic] {
                    let response = try await client.execute(uri: uri, method: .get, headers: headers)
                    let answered = try shape(response)
                    #expect(response.status == .methodNotAllowed && answered == expected, "GET \(uri)")
                    #expect(response.headers[.allow] == "POST", "GET \(uri): Allow")
                    #expect((response.headers[.anthropicRequestID] != nil) == (expected == "anthropic"), "GET \(uri): request-id")
                }
            }
        }
    }

    @Test func aRefusedFunctionNameComesBeforeTheOtherChecksOfAChatRequest() async throws {
        try await GatewayHarness.run { client, _ in
            let tools: [[String: Any]] = [["type": "function", "function": ["name": "bad name"]]]
            for body: [String: Any] in [["messages": [], "tools": tools], ["messages": [["role": "user", "content": "hi"]], "n": 2, "tools": tools]] {
                let response = try await client.chat(body)
                #expect(response.status == .badRequest)
                #expect(try response.openAIError["param"] as? String == "tools[0].function.name")
            }
        }
    }
}
