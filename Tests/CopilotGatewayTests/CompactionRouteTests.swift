import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// `POST /v1/responses/compact`, then `POST /v1/responses` continuing from its compaction item.
@Suite struct CompactionRouteTests {
    static var conversation: [[String: Any]] { [
        ["role": "user", "content": "My name is Ada and the codeword is zebra."],
        ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "Noted, Ada.", "annotations": []]]],
        ["role": "user", "content": "Remember both."],
    ] }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: [String: Any]) async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
    }

    /// The last chat turn's message text Copilot was sent.
    static func lastTurnText(_ simulator: CopilotSimulator) async throws -> String {
        let turn = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").last)
        return try #require((turn["message"] as? [String: Any])?["text"] as? String)
    }

    @Test func aCompactionSummarisesTheConversationAndALaterRequestContinuesFromItsItem() async throws {
        try await GatewayHarness.run { client, simulator in
            let compacted = try await Self.post(client, "/v1/responses/compact", ["model": "gpt-5", "input": Self.conversation])
            #expect(compacted.status == .ok)
            let resource = try compacted.json
            #expect(resource["object"] as? String == "response.compaction")
            let output = try #require(resource["output"] as? [[String: Any]])
            #expect(output.filter { $0["role"] as? String == "user" }.count == 2, "the conversation's user messages come first")
            let item = try #require(output.last)
            #expect(item["type"] as? String == "compaction")
            let sealed = try #require(item["encrypted_content"] as? String)
            #expect(sealed.hasPrefix(CompactionSeal.prefix) && !sealed.contains("zebra"), "the content is opaque")
            #expect(try await Self.lastTurnText(simulator).contains("Summarise our whole conversation above"))
            let summaryTurns = try await simulator.recordedBodies(pathSuffix: "/chat").count

            let continued = try await Self.post(
                client, "/v1/responses",
                ["model": "gpt-5", "input": [["type": "compaction", "encrypted_content": sealed], ["role": "user", "content": "What next?"]]])
            #expect(continued.status == .ok)
            #expect(try await simulator.recordedBodies(pathSuffix: "/chat").count == summaryTurns + 1)
            let sent = try await Self.lastTurnText(simulator)
            #expect(sent.contains(ResponsesRequest.summaryPreamble.trimmingWhitespace) && sent.contains("What next?"))
        }
    }

    @Test func aChangedCompactionItemIsA400NamingIt() async throws {
        try await GatewayHarness.run { client, _ in
            let compacted = try await Self.post(client, "/v1/responses/compact", ["model": "gpt-5", "input": Self.conversation])
            let output = try #require(try compacted.json["output"] as? [[String: Any]])
            let sealed = try #require(output.last?["encrypted_content"] as? String)
            var tampered = Array(sealed)
            tampered[CompactionSeal.prefix.count + 3] = tampered[CompactionSeal.prefix.count + 3] == "A" ? "B" : "A"
            let refused = try await Self.post(
                client, "/v1/responses",
                ["model": "gpt-5", "input": [["type": "compaction", "encrypted_content": String(tampered)], ["role": "user", "content": "Go on."]]])
            #expect(refused.status == .badRequest)
            let error = try refused.openAIError
            #expect(error["param"] as? String == "input[0].encrypted_content" && error["code"] as? String == "invalid_encrypted_content")
        }
    }

    @Test func aCompactionIsCountedLikeAnyTurnAndNeedsAModel() async throws {
        try await GatewayHarness.run { client, _ in
            #expect(try await Self.post(client, "/v1/responses/compact", ["model": "gpt-5", "input": "Summarise me."]).status == .ok)
            let missing = try await Self.post(client, "/v1/responses/compact", ["input": "Summarise me."])
            #expect(missing.status == .badRequest)
            #expect(try missing.openAIError["param"] as? String == "model")
            let empty = try await Self.post(client, "/v1/responses/compact", ["model": "gpt-5"])
            #expect(empty.status == .badRequest)
            #expect(try empty.openAIError["param"] as? String == "input")
            let response = try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin)
            let text = PrometheusText(String(buffer: response.body))
            #expect(text.value("copilot_gateway_requests_total", ["route": "/v1/responses/compact", "status": "200", "stream": "false"]) == 1)
            #expect(text.value("copilot_gateway_time_to_first_token_seconds_count", ["stream": "false"]) == 1)
            #expect(text.value("copilot_gateway_upstream_duration_seconds_count", ["call": "chat", "status": "ok"]) == 1)
        }
    }

    @Test func aSummaryCopilotDeclinesIsA502NotACompaction() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .rai, endpoint: .chat))
            let refused = try await Self.post(client, "/v1/responses/compact", ["model": "gpt-5", "input": Self.conversation])
            #expect(refused.status == .badGateway)
            #expect(try refused.openAIError["code"] as? String == "compaction_declined")
        }
    }

    @Test func inputTokensCountsTheInstructionsAndTheConversation() async throws {
        try await GatewayHarness.run { client, _ in
            let short = try await Self.post(client, "/v1/responses/input_tokens", ["input": "Hi."])
            let long = try await Self.post(
                client, "/v1/responses/input_tokens", ["model": "gpt-5", "instructions": "Be brief.", "input": Self.conversation])
            #expect(short.status == .ok && long.status == .ok)
            #expect(try short.json["object"] as? String == "response.input_tokens")
            let (few, many) = (try short.json["input_tokens"] as? Int ?? 0, try long.json["input_tokens"] as? Int ?? 0)
            #expect(few > 0 && many > few)
        }
    }
}

@Suite struct CompactionSealTests {
    @Test func aSealedSummaryOpensWithItsKeyOnly() {
        let seal = CompactionSeal.ephemeral()
        let content = CompactionSeal.Content(summary: "Ada, zebra.", createdAt: 1_700_000_000)
        let sealed = seal.seal(content)
        #expect(seal.open(sealed) == content)
        #expect(CompactionSeal.ephemeral().open(sealed) == nil, "another key")
        #expect(seal.open(sealed + "x") == nil && seal.open("cgw1.e30.AAAA") == nil && seal.open("gAAAAB") == nil)
    }

    @Test func theKeyIsKeptInTheStateFolderReadableByItsOwnerOnly() async throws {
        try await withTemporaryFolder { folder in
            let first = try CompactionSeal.stored(inFolder: folder.path)
            let again = try CompactionSeal.stored(inFolder: folder.path)
            let sealed = first.seal(.init(summary: "s", createdAt: 1))
            #expect(again.open(sealed)?.summary == "s", "the same key after a restart")
            let mode = try FileManager.default.attributesOfItem(atPath: folder.path + "/compaction.key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func aStateFolderWhereNoKeyCanBeMadeIsAPlainError() async throws {
        try await withTemporaryFolder { folder in
            let file = folder.path + "/not-a-folder"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
            #expect(throws: CompactionKeyError.self) { try CompactionSeal.stored(inFolder: file) }
            try Data("too short".utf8).write(to: folder.appendingPathComponent("compaction.key"))
            #expect(throws: CompactionKeyError.self) { try CompactionSeal.stored(inFolder: folder.path) }
        }
    }
}
