import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import CopilotGateway

/// Keys bound to accounts, as `GATEWAY_API_KEY_FILE` and `GATEWAY_API_KEYS` write them.
@Suite struct APIKeyBindingTests {
    func configuration(keys: String? = nil, file contents: String? = nil) throws -> (GatewayConfiguration, String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        var environment: [String: String] = [:]
        if let keys { environment["GATEWAY_API_KEYS"] = keys }
        if let contents {
            try contents.write(toFile: file, atomically: true, encoding: .utf8)
            environment["GATEWAY_API_KEY_FILE"] = file
        }
        return (try GatewayConfiguration(reader: .gateway(environment: environment), environment: ["HOME": "/tmp"]), file)
    }

    func problems(keys: String? = nil, file: String? = nil) -> String {
        do {
            _ = try configuration(keys: keys, file: file)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func aKeyFileBindsKeysToAccountsAndPoolsWithTheirLines() throws {
        let (configuration, file) = try configuration(
            file: "# team\r\nalice-key-0123456789abcdef account=alice\r\n\npool-key-0123456789abcdef account=alice, bob\nany-key-0123456789abcdef\nplus-key-0123456789abcdef account=bob+alice\n")
        let bindings = configuration.apiKeyBindings
        #expect(bindings.map(\.key) == [
            "alice-key-0123456789abcdef", "pool-key-0123456789abcdef", "any-key-0123456789abcdef", "plus-key-0123456789abcdef",
        ])
        #expect(bindings.map(\.accounts) == [["alice"], ["alice", "bob"], nil, ["bob", "alice"]])
        #expect(bindings.map(\.origin) == ["\(file) line 2", "\(file) line 4", "\(file) line 5", "\(file) line 6"])
    }

    @Test func aPoolMayHaveSpacesAroundItsCommas() throws {
        let (configuration, _) = try configuration(file: "pool-key-0123456789abcdef account=alice ,  bob label=team\n")
        #expect(configuration.apiKeyBindings.map(\.accounts) == [["alice", "bob"]])
        #expect(configuration.apiKeyBindings.map(\.label) == ["team"])
    }

    @Test func theKeysSettingWritesAPoolWithAPlus() throws {
        let (configuration, _) = try configuration(keys: "one-key-0123456789abcdef account=alice+bob, two-key-0123456789abcdef")
        #expect(configuration.apiKeyBindings.map(\.accounts) == [["alice", "bob"], nil])
        #expect(configuration.apiKeyBindings.map(\.origin) == ["GATEWAY_API_KEYS entry 1", "GATEWAY_API_KEYS entry 2"])
    }

    @Test func aPoolWrittenWithACommaInTheKeysSettingIsExplained() {
        let text = problems(keys: "one-key-0123456789abcdef account=alice,bob")
        #expect(text.contains("a key of 3 characters (GATEWAY_API_KEYS entry 2)"))
        #expect(text.contains("account=alice+bob"))
    }

    @Test func aKeyGivenTwiceIsRefusedWithBothPlaces() {
        let text = problems(keys: "same-key-0123456789abcdef account=bob", file: "same-key-0123456789abcdef account=alice\n")
        #expect(text.contains("the same key in GATEWAY_API_KEYS entry 1 and"))
        #expect(text.contains("line 1"))
    }

    @Test(arguments: ["account=", "account=alice,", "account=Alice", "account=alice,,bob", "account=alice,alice", "account=a/b"])
    func aMalformedPoolIsRefused(pool: String) {
        #expect(problems(file: "key-0123456789abcdef \(pool)\n").contains("line 1: account="))
    }

    @Test func textAfterAKeyIsRefusedWithoutEchoingIt() {
        let text = problems(file: "first-key-0123456789abcdef second-secret-0123456789abcdef\n")
        #expect(text.contains("line 1: text after the key"))
        #expect(!text.contains("second-secret"))
    }

    @Test func aKeyMayCarryALabelBeforeOrAfterItsAccounts() throws {
        let (configuration, _) = try configuration(
            keys: "one-key-0123456789abcdef label=web account=alice+bob, two-key-0123456789abcdef account=bob label=qq.bot_2")
        #expect(configuration.apiKeyBindings.map(\.label) == ["web", "qq.bot_2"])
        #expect(configuration.apiKeyBindings.map(\.accounts) == [["alice", "bob"], ["bob"]])
    }

    @Test func aLabelGivenTwiceOrMalformedIsRefused() {
        #expect(problems(keys: "one-key-0123456789abcdef label=bot, two-key-0123456789abcdef label=bot").contains("the label bot in GATEWAY_API_KEYS entry 1 and GATEWAY_API_KEYS entry 2"))
        #expect(problems(file: "one-key-0123456789abcdef label=a/b\n").contains("line 1: label=a/b"))
        #expect(problems(file: "one-key-0123456789abcdef label=a label=b\n").contains("line 1: text after the key"))
    }

    @Test func everyLogLineOfATurnNamesItsKeyByLabelAndItsAccount() async throws {
        let logs = LogCapture()
        let keys = "labelled-key-0123456789abcdef label=qq-bot, plain-key-0123456789abcdef"
        try await GatewayHarness.run(environment: ["GATEWAY_API_KEYS": keys], logger: logs.logger("gateway")) { client, _ in
            for key in ["labelled-key-0123456789abcdef", "plain-key-0123456789abcdef"] {
                let answer = try await client.chat(["messages": [["role": "user", "content": "hi"]]], headers: [.authorization: "Bearer \(key)"])
                #expect(answer.status == .ok)
            }
        }
        let turns = logs.text.split(separator: "\n").filter { $0.contains("Turn answered") }
        #expect(turns.count == 2)
        #expect(turns.first?.contains("qq-bot") == true && turns.first?.contains("\"account\": default") == true)
        #expect(turns.last?.contains("key:") == true, "an unlabelled key is named by its caller id")
        #expect(!logs.text.contains("labelled-key-0123456789abcdef") && !logs.text.contains("plain-key-0123456789abcdef"), "a key reached the log")
    }
}
