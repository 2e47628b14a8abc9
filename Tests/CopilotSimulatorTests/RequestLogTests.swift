import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct RequestLogTests {
    @Test func recordsMethodPathHeadersAndParsedBodyWithoutTheToken() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            _ = try await client.chat(id, chatBody("Logged prompt", context: ["ctx"]))
            try await client.execute(uri: "/_sim/requests", method: .get) { response in
                #expect(response.status == .ok)
                let log = try #require(response.json?.arrayValue)
                #expect(log.count == 2)
                #expect(log[0]["method"] == "POST")
                #expect(log[0]["path"] == "/beta/copilot/conversations")
                #expect(log[0]["body"] == .object([]))
                #expect(log[1]["path"] == .string("/beta/copilot/conversations/\(id)/chat"))
                #expect(log[1]["body"]?["message"]?["text"] == "Logged prompt")
                #expect(log[1]["body"]?["additionalContext"]?.arrayValue?.first?["text"] == "ctx")
                #expect(log[1]["headers"]?["authorization"] == .string(RecordedRequest.redacted))
                #expect(log[1]["headers"]?["content-type"] == "application/json")
                #expect(!response.text.contains("test-token"))
            }
            let recorded = await simulator.recordedRequests
            #expect(recorded.count == 2)
            #expect(recorded.allSatisfy { $0.hadAuthorization })

            try await client.execute(uri: "/_sim/requests", method: .delete) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/_sim/requests", method: .get) { #expect($0.json == []) }
        }
    }

    @Test func nonJSONBodiesAreRecordedAsStrings() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            _ = try await client.chat(id, ByteBuffer(string: "plain text"))
            let last = try #require(await simulator.recordedRequests.last)
            #expect(last.body == "plain text")
            await simulator.clearRecordedRequests()
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }

    @Test func controlEndpointsAreNotRecorded() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/_sim/faults", method: .get) { #expect($0.json == []) }
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }
}
