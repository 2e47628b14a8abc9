import Configuration
import Foundation
import Testing

@testable import CopilotGateway

@Suite struct ConfigurationTests {
    func configuration(env: [String: String] = [:], dotEnv: String = "", overrides: [String: String] = [:]) throws -> GatewayConfiguration {
        try GatewayConfiguration(
            reader: .gateway(overrides: overrides, environment: env, dotEnv: DotEnvFile(contents: dotEnv)),
            environment: ["HOME": "/home/bot"])
    }

    @Test func defaultsMatchTheOriginalGatewayAndAreSafe() throws {
        let config = try configuration()
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 9000)
        #expect(config.webEnabled == false)
        #expect(config.sessionTTL == .seconds(1800))
        #expect(config.alwaysNewConversation == false)
        #expect(config.graphBaseURL == "https://graph.microsoft.com")
        #expect(config.loginBaseURL == "https://login.microsoftonline.com")
        #expect(config.tokenCachePath == "/home/bot/.local/state/copilot-gateway/token-cache.json")
        #expect(config.hasMicrosoftCredentials == false)
    }

    @Test func readsTheOriginalDotEnvAndStripsQuotes() throws {
        let config = try configuration(dotEnv: """
            # the original's .env
            TENANT_ID="contoso.onmicrosoft.com"
            CLIENT_ID='11111111-2222-3333-4444-555555555555'
            export COPILOT_TIMEZONE=Asia/Singapore
            COPILOT_DISABLE_WEB=0   # web grounding on
            COPILOT_SESSION_TTL=900
            COPILOT_ALWAYS_NEW_CONVERSATION=1
            TOKEN_CACHE=/var/lib/gw/token_cache.bin
            """)
        #expect(config.tenantID == "contoso.onmicrosoft.com")
        #expect(config.clientID == "11111111-2222-3333-4444-555555555555")
        #expect(config.timeZone == "Asia/Singapore")
        #expect(config.webEnabled == true)
        #expect(config.sessionTTL == .seconds(900))
        #expect(config.alwaysNewConversation == true)
        #expect(config.tokenCachePath == "/var/lib/gw/token_cache.bin")
        #expect(config.hasMicrosoftCredentials)
    }

    @Test func environmentBeatsDotEnvAndFlagsBeatBoth() throws {
        let config = try configuration(env: ["PORT": "9100", "HOST": "0.0.0.0"], dotEnv: "PORT=9200\nHOST=::1", overrides: ["PORT": "9300"])
        #expect(config.port == 9300)
        #expect(config.host == "0.0.0.0")
    }

    @Test func reportsEveryInvalidSettingByNameInOneError() {
        #expect {
            try configuration(env: ["PORT": "ninety", "COPILOT_TIMEZONE": "China Standard Time", "COPILOT_DISABLE_WEB": "maybe", "GRAPH_BASE_URL": "graph"])
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let names = error.problems.map(\.name)
            return names == ["PORT", "COPILOT_TIMEZONE", "COPILOT_DISABLE_WEB", "GRAPH_BASE_URL"]
                && error.description.contains("PORT=ninety") && error.description.contains("IANA")
        }
    }

    @Test func rejectsUnknownTimeZonesAndAcceptsIANAOnes() {
        #expect(GatewayConfiguration.isIANATimeZone("Europe/Berlin"))
        #expect(GatewayConfiguration.isIANATimeZone("UTC"))
        #expect(!GatewayConfiguration.isIANATimeZone("Mars/Olympus_Mons"))
        #expect(!GatewayConfiguration.isIANATimeZone("Pacific Standard Time"))
    }

    @Test func parsesDotEnvQuotingEscapesAndComments() {
        let file = DotEnvFile(contents: "A=\"x \\\"y\\\" z\"\nB='#not a comment'\nC=plain # comment\n# D=no\nnot a line\nE=\n")
        #expect(file.values == ["A": "x \"y\" z", "B": "#not a comment", "C": "plain", "E": ""])
    }

    @Test func namesUnknownDotEnvSettings() {
        #expect(DotEnvFile(contents: "PORT=1\nCOPILOT_TIMEZON=UTC").unknownSettingNames == ["COPILOT_TIMEZON"])
    }

    @Test func anAdminKeyShorterThanSixteenCharactersOrEqualToAnAPIKeyIsRefused() throws {
        #expect(throws: ConfigurationError.self) { try configuration(env: ["GATEWAY_ADMIN_KEY": "x"]) }
        #expect(try configuration(env: ["GATEWAY_ADMIN_KEY": "0123456789abcdef"]).adminKey == "0123456789abcdef")
        #expect(throws: ConfigurationError.self) {
            try configuration(env: ["GATEWAY_ADMIN_KEY": "0123456789abcdef", "GATEWAY_API_KEYS": "other-key-0123456789,0123456789abcdef"])
        }
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("[::1]", true), ("::ffff:127.0.0.1", true), ("localhost", true),
        ("LOCALHOST", true), ("127.example.invalid", false), ("127.0.0.1.nip.io", false), ("0.0.0.0", false), ("::", false),
        ("10.0.0.1", false), ("::ffff:10.0.0.1", false), ("1::1", false),
    ])
    func hostIsLoopbackOnlyWhenItParsesAsALoopbackAddress(host: String, loopback: Bool) throws {
        #expect(try configuration(env: ["HOST": host]).listensOnLoopbackOnly == loopback)
    }

    @Test func modelAliasesAreListedAfterCopilot() throws {
        #expect(try configuration(env: ["COPILOT_MODEL_ALIASES": "gpt-4o, copilot ,m365"]).modelNames == ["copilot", "gpt-4o", "m365"])
    }

    @Test func theREADMEAndTheExampleEnvFileDocumentEverySetting() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let example = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        for name in GatewayConfiguration.settingNames.sorted() {
            #expect(readme.contains("| `\(name)` |"), "README's configuration table lacks \(name)")
            #expect(example.contains("# \(name)="), ".env.example lacks \(name)")
        }
    }
}
