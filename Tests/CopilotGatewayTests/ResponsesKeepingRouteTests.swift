import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// Live: a response larger than an API key may keep is answered but not kept, and its end says so;
/// a conversation continued turn after turn is kept as links, each response holding what it added.
@Suite struct ResponsesKeepingRouteTests {
    static let oneMiBPerKey = ["GATEWAY_KEPT_RESPONSES_MB_PER_KEY": "1"]

    func create(_ client: any TestClientProtocol, _ body: [String: Any]) async throws -> TestResponse
    {
        let data = try JSONSerialization.data(withJSONObject: withModel(body))
        return try await client.execute(
            uri: "/v1/responses", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(bytes: data))
    }

    @Test(arguments: [false, true])
    func aResponseLargerThanAKeyMayKeepEndsWithStoreFalseAndIsNotFound(stream: Bool) async throws {
        try await GatewayHarness.run(environment: Self.oneMiBPerKey) { client, _ in
            // `user` is echoed in the response, so the response is larger than the key's 1 MiB.
            let answer = try await create(
                client,
                [
                    "input": "REPLY `big` ONLY", "stream": stream,
                    "user": String(repeating: "m", count: 1_100_000),
                ])
            #expect(answer.status == .ok)
            let response = try #require(
                stream ? try answer.namedEvents.last?.data["response"] as? [String: Any] : try answer.json)
            #expect(response["store"] as? Bool == false)
            #expect(response["status"] as? String == "completed")
            let id = try #require(response["id"] as? String)
            #expect(
                try await client.execute(uri: "/v1/responses/\(id)", method: .get).status == .notFound)
            if stream {
                let created = try #require(try answer.namedEvents.first?.data["response"] as? [String: Any])
                #expect(created["store"] as? Bool == true, "only the end knows whether it was kept")
            }
        }
    }

    @Test func aSmallResponseUnderTheSameLimitIsKeptAndSaysSo() async throws {
        try await GatewayHarness.run(environment: Self.oneMiBPerKey) { client, _ in
            let answer = try await create(client, ["input": "REPLY `small` ONLY"])
            #expect(try answer.json["store"] as? Bool == true)
            let id = try #require(try answer.json["id"] as? String)
            let kept = try await client.execute(uri: "/v1/responses/\(id)", method: .get)
            #expect(kept.status == .ok)
            #expect(
                String(buffer: kept.body) == String(buffer: answer.body),
                "served as the bytes that were answered")
        }
    }

    @Test func aLongContinuedConversationKeepsEachTurnOnceAsALink() async throws {
        try await withTemporaryFolder { folder in
            let store = try SQLiteConversationStore(
                path: folder.appendingPathComponent("conversations.sqlite").path)
            try await GatewayHarness.run(conversations: store) { client, _ in
                var previous: String?
                let added = String(repeating: "w", count: 5_000)
                for number in 1...6 {
                    var body: [String: Any] = ["input": "\(number) \(added) REPLY `ok \(number)` ONLY"]
                    if let previous { body["previous_response_id"] = previous }
                    let answer = try await create(client, body)
                    #expect(answer.status == .ok)
                    previous = try #require(try answer.json["id"] as? String)
                }
                let lastID = try #require(previous)
                let last = try #require(await store.response(id: lastID, withBody: false))
                #expect(last.previousID != nil)
                #expect(
                    last.bytes < 2 * added.utf8.count,
                    "the sixth response holds its own turn, not the five before")
            }
        }
    }
}
