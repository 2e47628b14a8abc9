import AsyncHTTPClient
import CopilotSimulator
import Foundation
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import CopilotGateway

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// The pauses the device-code polling asked for.
final class SleepLog: Sendable {
    private let pauses = Mutex<[Duration]>([])
    var all: [Duration] { pauses.withLock { $0 } }
    func append(_ pause: Duration) { pauses.withLock { $0.append(pause) } }
}

/// Every log line, so tests can check that no token is ever logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined(separator: "\n") } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label) { _ in CapturingLogHandler(capture: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        capture.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)")
    }
}

/// The simulator live on a free port, and a signed-out account that uses it for sign-in and Graph.
struct SignInHarness: Sendable {
    let simulator: CopilotSimulator
    let simulatorURL: String
    let httpClient: HTTPClient
    let cachePath: String
    let clock: TestClock
    let logs: LogCapture
    let sleeps: SleepLog

    static func run(
        options: SimulatorOptions = .init(snapshotCount: 3, eventDelay: .zero, deviceCodeInterval: 1),
        _ body: @Sendable (SignInHarness) async throws -> Void
    ) async throws {
        let simulator = CopilotSimulator(options: options)
        let app = buildSimulatorApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: Logger(label: "simulator"))
        try await app.test(.live) { client in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sign-in-\(UUID().uuidString)")
            let harness = SignInHarness(
                simulator: simulator, simulatorURL: "http://127.0.0.1:\(try #require(client.port))",
                httpClient: HTTPClient(eventLoopGroupProvider: .singleton), cachePath: folder.path + "/state/token-cache.json",
                clock: TestClock(), logs: LogCapture(), sleeps: SleepLog())
            do {
                try await body(harness)
            } catch {
                try await harness.httpClient.shutdown()
                throw error
            }
            try await harness.httpClient.shutdown()
            #expect(!harness.logs.text.contains("sim-at-") && !harness.logs.text.contains("sim-rt-"), "a token reached the log")
            try? FileManager.default.removeItem(at: folder)
        }
    }

    var identity: IdentityClient {
        IdentityClient(httpClient: httpClient, baseURL: simulatorURL, tenant: "organizations", clientID: "test-client", logger: logs.logger("identity"))
    }

    func account(
        signsInWhenNeeded: Bool = false, scopes: [String] = GatewayConfiguration.defaultScopes, metrics: GatewayMetrics? = nil
    ) -> MicrosoftAccount {
        MicrosoftAccount(
            identity: identity, cache: TokenCacheFile(path: cachePath),
            settings: .init(tenant: "organizations", clientID: "test-client", scopes: scopes, loginPageURL: "http://127.0.0.1:9000/login", signsInWhenNeeded: signsInWhenNeeded),
            logger: logs.logger("account"), now: { [clock] in clock.now },
            sleep: { [sleeps] duration in
                sleeps.append(duration)
                try await Task.sleep(for: .milliseconds(5))
            }, metrics: metrics)
    }

    /// Signs `account` in, approving the code as soon as it is shown.
    @discardableResult
    func signIn(_ account: MicrosoftAccount) async throws -> CachedSignIn {
        try await account.signIn { [simulator] grant in
            _ = await simulator.approveDeviceCode(userCode: grant.userCode)
        }
    }

    /// How many refresh-token grants reached the simulator.
    func refreshCount() async throws -> Int {
        try await requests(grantType: "refresh_token")
    }

    func requests(grantType: String) async throws -> Int {
        let data = try JSONEncoder().encode(await simulator.recordedRequests)
        let all = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return all.filter { (($0["body"] as? [String: Any])?["grant_type"] as? String) == grantType }.count
    }

    var cache: TokenCacheFile { TokenCacheFile(path: cachePath) }
}
