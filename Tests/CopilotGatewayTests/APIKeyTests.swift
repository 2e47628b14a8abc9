import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

@Suite struct APIKeyTests {
    static let keys = ["GATEWAY_API_KEYS": "alice-key-0123456789abcdef, bob-key-0123456789abcdef0"]
    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    @Test func aMissingOrWrongKeyIs401InvalidAPIKey() async throws {
        try await GatewayHarness.run(environment: Self.keys) { client, simulator in
            let body: [String: Any] = ["messages": [["role": "user", "content": "hi"]]]
            let missing = try await client.chat(body)
            #expect(missing.status == .unauthorized)
            #expect(try missing.openAIError["code"] as? String == "invalid_api_key")
            let wrong = try await client.chat(body, headers: Self.bearer("mallory-key-0123456789abcdef"))
            #expect(wrong.status == .unauthorized)
            #expect(!String(buffer: wrong.body).contains("mallory"), "a key is never echoed")
            let models = try await client.execute(uri: "/v1/models", method: .get)
            #expect(models.status == .unauthorized)
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }

    @Test func aRightKeyPassesAsBearerOrXAPIKey() async throws {
        try await GatewayHarness.run(environment: Self.keys) { client, _ in
            let body: [String: Any] = ["messages": [["role": "user", "content": "REPLY `in` ONLY"]]]
            let bearer = try await client.chat(body, headers: Self.bearer("alice-key-0123456789abcdef"))
            #expect(try bearer.replyText == "in")
            let header = try await client.chat(body, headers: [HTTPField.Name("x-api-key")!: "bob-key-0123456789abcdef0"])
            #expect(try header.replyText == "in")
            let models = try await client.execute(uri: "/v1/models", method: .get, headers: Self.bearer("alice-key-0123456789abcdef"))
            #expect(models.status == .ok)
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok, "health needs no key")
        }
    }

    @Test func twoKeysWithTheSameHistoryNeverShareAConversation() async throws {
        try await GatewayHarness.run(environment: Self.keys) { client, simulator in
            for key in ["alice-key-0123456789abcdef", "bob-key-0123456789abcdef0"] {
                let first = try await client.chat(["messages": [["role": "user", "content": "Hi!"]]], headers: Self.bearer(key))
                _ = try await client.chat(
                    ["messages": [["role": "user", "content": "Hi!"], ["role": "assistant", "content": try first.replyText], ["role": "user", "content": "More?"]]],
                    headers: Self.bearer(key))
            }
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 4 && conversations[0] == conversations[1] && conversations[2] == conversations[3])
            #expect(conversations[0] != conversations[2])
        }
    }

    @Test func theAdminKeyOpensTheLoginPageToOtherMachines() async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_ADMIN_KEY": "admin-key-0123456789abcdef"]) { client, _ in
            let proxied: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"]
            let refused = try await client.execute(uri: "/login", method: .get, headers: proxied)
            #expect(refused.status == .forbidden)
            var withKey = proxied
            withKey[.authorization] = "Bearer admin-key-0123456789abcdef"
            let allowed = try await client.execute(uri: "/login", method: .get, headers: withKey)
            #expect(allowed.status == .ok)
        }
    }

    @Test func keysAreCheckedWholeAndCallersNamedWithoutTheKey() {
        let keys = APIKeys(["alice-key-0123456789abcdef"])
        #expect(keys.caller(presenting: "alice-key-0123456789abcdef")?.hasPrefix("key:") == true)
        #expect(keys.caller(presenting: "alice-key-0123456789abcdef")?.contains("alice") == false)
        #expect(keys.caller(presenting: "alice-key-0123456789abcde") == nil)
        #expect(keys.caller(presenting: "") == nil)
    }

    @Test func keysComeFromTheSettingAndAFileWithComments() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "# bots\nqq-bot-key-0123456789abcdef\n\n  tg-bot-key-0123456789abcdef  \n".write(to: file, atomically: true, encoding: .utf8)
        let config = try GatewayConfiguration(
            reader: .gateway(environment: ["GATEWAY_API_KEYS": "web-key-0123456789abcdef", "GATEWAY_API_KEY_FILE": file.path]), environment: ["HOME": "/tmp"])
        #expect(config.apiKeys == ["web-key-0123456789abcdef", "qq-bot-key-0123456789abcdef", "tg-bot-key-0123456789abcdef"])
    }

    @Test func shortKeysAndAMissingKeyFileAreConfigurationErrors() {
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration(reader: .gateway(environment: ["GATEWAY_API_KEYS": "1234"]), environment: [:]) }
        #expect(throws: ConfigurationError.self) {
            try GatewayConfiguration(reader: .gateway(environment: ["GATEWAY_API_KEY_FILE": "/nonexistent/keys"]), environment: [:])
        }
    }

    @Test(arguments: [("127.0.0.1", true), ("localhost", true), ("::1", true), ("0.0.0.0", false), ("192.168.1.5", false), ("::", false)])
    func onlyLoopbackAddressesCountAsPrivate(host: String, loopback: Bool) throws {
        let config = try GatewayConfiguration(reader: .gateway(environment: ["HOST": host]), environment: [:])
        #expect(config.listensOnLoopbackOnly == loopback)
    }
}
