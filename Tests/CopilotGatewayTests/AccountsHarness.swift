import AsyncHTTPClient
import Configuration
import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import CopilotGateway

/// The simulator (checking tokens, as Graph does) and a state folder where accounts are signed in with
/// device codes as simulated users; gateways served from that folder, as `serve` runs them.
struct AccountsHarness: Sendable {
    let simulator: CopilotSimulator
    let simulatorURL: String
    let stateDirectory: String
    let httpClient: HTTPClient

    static let keys = [
        "alice": "alice-key-0123456789abcdef", "bob": "bob-key-0123456789abcdef", "pool": "pool-key-0123456789abcdef",
        "carol": "carol-key-0123456789abcdef", "any": "any-key-0123456789abcdef",
    ]

    /// Keys bound as the README shows: one per person, a failover pool, and one for every account.
    static let bindings = [
        "\(keys["alice"]!) account=alice", "\(keys["bob"]!) account=bob", "\(keys["pool"]!) account=alice+bob", keys["any"]!,
    ].joined(separator: ",")

    static func run(
        options: SimulatorOptions = .init(snapshotCount: 3, eventDelay: .zero, checkTokens: true), _ body: @Sendable (AccountsHarness) async throws -> Void
    ) async throws {
        let simulator = CopilotSimulator(options: options)
        let app = buildSimulatorApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: Logger(label: "simulator"))
        try await app.test(.live) { client in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("accounts-\(UUID().uuidString)").path
            let harness = AccountsHarness(
                simulator: simulator, simulatorURL: "http://127.0.0.1:\(try #require(client.port))", stateDirectory: folder,
                httpClient: HTTPClient(eventLoopGroupProvider: .singleton))
            do {
                try await body(harness)
            } catch {
                try await harness.httpClient.shutdown()
                throw error
            }
            try await harness.httpClient.shutdown()
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    func configuration(_ extra: [String: String] = [:]) throws -> GatewayConfiguration {
        let settings = [
            "PORT": "0", "CLIENT_ID": "test-client", "TENANT_ID": "organizations", "STATE_DIR": stateDirectory,
            "GRAPH_BASE_URL": simulatorURL, "LOGIN_BASE_URL": simulatorURL, "WORKIQ_BASE_URL": simulatorURL + "/rest",
            "COPILOT_TIMEZONE": "Europe/Berlin", "GATEWAY_ADMIN_KEY": GatewayHarness.adminKey, "GATEWAY_API_KEYS": Self.bindings,
        ].merging(extra) { $1 }
        return try GatewayConfiguration(reader: .gateway(environment: settings), environment: ["HOME": "/tmp"])
    }

    /// Signs the account `name` in as `user`, as `copilot-gateway login --account name` does.
    func signIn(_ name: String, as user: String, upstream: CopilotAPI? = nil) async throws {
        let configuration = try configuration()
        let profile = configuration.profileForSignIn(name, upstream: upstream)
        let account = MicrosoftAccount(
            identity: IdentityClient(
                httpClient: httpClient, baseURL: simulatorURL, tenant: profile.tenant, clientID: profile.clientID, logger: Logger(label: "login")),
            cache: TokenCacheFile(path: profile.cachePath),
            settings: .init(tenant: profile.tenant, clientID: profile.clientID, scopes: profile.scopes, name: profile.name, upstream: profile.upstream),
            logger: Logger(label: "login"), sleep: { _ in try await Task.sleep(for: .milliseconds(5)) })
        let signedIn = try await account.signIn { [simulator] grant in
            _ = await simulator.approveDeviceCode(userCode: grant.userCode, user: user)
        }
        #expect(signedIn.account?.displayName.contains(user) == true)
    }

    /// A gateway on this state folder (its conversations in SQLite there), live.
    func serve(
        _ extra: [String: String] = [:], metrics: GatewayMetrics = GatewayMetrics(), _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let configuration = try configuration(extra)
        let dependencies = try await GatewayDependencies.live(configuration: configuration, httpClient: httpClient, logger: Logger(label: "gateway"), metrics: metrics)
        try await dependencies.checkBindings(configuration.apiKeyBindings)
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies)
        try await app.test(.live, body)
    }

    /// The users whose tokens the Copilot calls since `start` carried, in order.
    func users(since start: Int = 0) async -> [String?] {
        Array(await simulator.recordedRequests.filter { $0.path.hasPrefix("/beta/") || $0.path.hasPrefix("/rest/") }.map(\.user).dropFirst(start))
    }

    /// Runs `body` while a turn of `key` holds Alice's only place (`COPILOT_MAX_CONCURRENT=1`): Copilot
    /// takes two seconds to answer her. The slow turn must end well.
    func whileAliceIsSlow(key: String, client: some TestClientProtocol, _ body: () async throws -> Void) async throws {
        await simulator.addFault(SimulatorFault(kind: .delay, endpoint: .chat, delayMs: 2000, user: SeveralAccountsTests.alice))
        let port = try #require(client.port)
        try await withHTTPClient { http in
            async let slow = http.execute(try LimitTests.request(port: port, key: Self.keys[key], text: "slow for alice"), timeout: .seconds(20))
            // Her conversation is made and her turn has reached Copilot: she holds her place.
            let deadline = ContinuousClock.now + .seconds(2)
            while await users().filter({ $0 == SeveralAccountsTests.alice }).count < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await body()
            #expect(try await slow.status == .ok)
        }
    }

    /// How many Copilot calls there were so far.
    func copilotCalls() async -> Int { await users().count }
}

extension TestClientProtocol {
    /// A chat as the holder of `key` (a name of `AccountsHarness.keys`), whole or streamed.
    func chat(as key: String, _ messages: [[String: String]], stream: Bool = false) async throws -> TestResponse {
        let keys = AccountsHarness.keys
        return try await chat(["messages": messages, "stream": stream], headers: [.authorization: "Bearer \(keys[key] ?? key)"])
    }
}
