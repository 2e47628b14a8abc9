import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct ValidationTests {
    private func expectGraphError(_ response: TestResponse, status: Int, code: String) throws {
        #expect(response.status.code == status)
        let error = try #require(response.json?["error"])
        #expect(error["code"] == .string(code))
        #expect(error["message"]?.stringValue?.isEmpty == false)
        let inner = try #require(error["innerError"])
        #expect(inner["date"]?.stringValue?.count == 19)
        #expect(inner["request-id"]?.stringValue == response.headers[.requestID])
        #expect(inner["client-request-id"]?.stringValue == response.headers[.clientRequestID])
        #expect(response.headers[.requestID] != nil)
    }

    @Test func missingOrEmptyBearerTokenGets401() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            for headers: HTTPFields in [[:], [.authorization: "Bearer "], [.authorization: "Basic abc"]] {
                let response = try await client.chat(id, chatBody("hi"), headers: headers)
                try expectGraphError(response, status: 401, code: "InvalidAuthenticationToken")
            }
            try await client.execute(uri: "/beta/copilot/conversations", method: .post, body: ByteBuffer(string: "{}")) {
                try expectGraphError($0, status: 401, code: "InvalidAuthenticationToken")
            }
        }
    }

    @Test func onlyTheAcceptedTokenPassesWhenConfigured() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, acceptedToken: "right"))
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/beta/copilot/conversations", method: .post, headers: [.authorization: "Bearer wrong"],
                body: ByteBuffer(string: "{}")
            ) { try expectGraphError($0, status: 401, code: "InvalidAuthenticationToken") }
            try await client.execute(
                uri: "/beta/copilot/conversations", method: .post, headers: [.authorization: "Bearer right"],
                body: ByteBuffer(string: "{}")
            ) { #expect($0.status == .created) }
        }
    }

    @Test func clientRequestIDIsEchoed() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/beta/copilot/conversations/nope/chat", method: .post,
                headers: [.authorization: "Bearer t", .clientRequestID: "my-id-123"], body: chatBody("hi")
            ) { response in
                try expectGraphError(response, status: 404, code: "NotFound")
                #expect(response.headers[.clientRequestID] == "my-id-123")
                #expect(response.json?["error"]?["innerError"]?["client-request-id"] == "my-id-123")
            }
            let id = try await client.createConversation()
            let ok = try await client.chat(id, chatBody("hi"))
            #expect(ok.headers[.requestID] != nil && ok.headers[.clientRequestID] != nil)
        }
    }

    @Test func malformedBodiesGet400() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let bodies = [
                "not json",
                "[]",
                #"{"locationHint":{"timeZone":"UTC"}}"#,
                #"{"message":{"text":"hi"}}"#,
                #"{"message":{"text":"hi"},"locationHint":{"timeZone":"Pacific Standard Time"}}"#,
                #"{"message":{"text":"hi"},"locationHint":{"timeZone":"UTC"},"additionalContext":[{"description":"x"}]}"#,
            ]
            for body in bodies {
                try expectGraphError(try await client.chat(id, ByteBuffer(string: body)), status: 400, code: "BadRequest")
                try expectGraphError(try await client.stream(id, ByteBuffer(string: body)), status: 400, code: "BadRequest")
            }
            #expect(try await client.chat(id, chatBody("hi", timeZone: "America/New_York")).status == .ok)
        }
    }

    @Test func unknownConversationGets404() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let missing = "00000000-0000-4000-8000-000000000000"
            try expectGraphError(try await client.chat(missing, chatBody("hi")), status: 404, code: "NotFound")
            try expectGraphError(try await client.stream(missing, chatBody("hi")), status: 404, code: "NotFound")
            try await client.execute(uri: "/beta/copilot/unknown", method: .get, headers: bearer) {
                try expectGraphError($0, status: 404, code: "NotFound")
            }
        }
    }

    @Test func oversizeMessageGets413() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let big = String(repeating: "a", count: 16_001)
            try expectGraphError(try await client.chat(id, chatBody(big)), status: 413, code: "RequestEntityTooLarge")
            let limit = String(repeating: "a", count: 16_000)
            #expect(try await client.chat(id, chatBody(limit)).status == .ok)
        }
    }

    @Test func anyAcceptHeaderIsFine() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            var headers = bearer
            headers[.accept] = "application/octet-stream"
            try await client.execute(
                uri: "/beta/copilot/conversations/\(id)/chatOverStream", method: .post, headers: headers,
                body: chatBody("hi")
            ) { #expect($0.status == .ok) }
        }
    }
}
