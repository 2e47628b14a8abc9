import ArgumentParser
import AsyncHTTPClient
import Configuration
import CopilotGateway
import CopilotSimulator
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import Foundation

/// `copilot-gateway serve`: the gateway, against Microsoft Graph or the built-in simulator.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway (the default command).",
        discussion: """
            Settings come from the environment and from a .env file in the working directory \
            (see .env.example). Without Microsoft credentials (TENANT_ID, CLIENT_ID or COPILOT_ACCESS_TOKEN) \
            the gateway answers from its built-in Copilot simulator.
            """
    )

    @Option(help: "Address to listen on (HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (PORT; default 9000).")
    var port: Int?

    @Flag(help: "Answer from the built-in Copilot simulator even when Microsoft credentials are configured.")
    var simulator = false

    @OptionGroup var settings: SettingsOptions

    @Flag(help: "Listen on a non-loopback address without API keys (anyone who reaches the port can use the Copilot account).")
    var allowUnauthenticated = false

    func run() async throws {
        var overrides: [String: String] = [:]
        if let host { overrides["HOST"] = host }
        if let port { overrides["PORT"] = String(port) }
        let (configuration, dotEnv) = try settings.load(overrides: overrides)
        if !configuration.listensOnLoopbackOnly, configuration.apiKeys.isEmpty, !allowUnauthenticated {
            printError("""
                Refusing to listen on \(configuration.host) without API keys: anyone who can reach port \(configuration.port) \
                could use your Copilot licence and read what Copilot can read of your mail and files.
                Set GATEWAY_API_KEYS (for example GATEWAY_API_KEYS=$(openssl rand -hex 24)) and give the key to your bot, \
                or keep HOST=127.0.0.1, or pass --allow-unauthenticated if something else guards the port.
                """)
            throw ExitCode(78)
        }
        let logger = bootstrapLogging(level: configuration.logLevel)
        for name in dotEnv.unknownSettingNames {
            logger.warning("\(settings.envFile ?? ".env") sets \(name), which copilot-gateway does not use (a typo?)")
        }

        let httpClient = HTTPClient.gateway(configuration)
        do {
            try await serve(configuration, httpClient: httpClient, logger: logger)
        } catch {
            try await httpClient.shutdown()
            if let message = Self.startupProblem(error, configuration: configuration) {
                FileHandle.standardError.write(Data((message + "\n").utf8))
                throw ExitCode(69)  // EX_UNAVAILABLE
            }
            throw error
        }
        try await httpClient.shutdown()
    }

    private func serve(_ configuration: GatewayConfiguration, httpClient: HTTPClient, logger: Logger) async throws {
        let metrics = GatewayMetrics()
        // Accounts signed in with their own app registration (login --client-id) count as credentials too.
        if simulator || (!configuration.hasMicrosoftCredentials && configuration.accountProfiles().isEmpty) {
            return try await runWithSimulator(configuration, httpClient: httpClient, metrics: metrics, logger: logger)
        }
        let dependencies: GatewayDependencies
        do {
            dependencies = try await .live(configuration: configuration, httpClient: httpClient, logger: logger, metrics: metrics)
        } catch let error as ConversationStoreError {
            printError("\(error)")
            throw ExitCode(73)  // EX_CANTCREAT
        } catch let error as CompactionKeyError {
            printError("\(error)")
            throw ExitCode(73)
        }
        do {
            try await dependencies.checkBindings(configuration.apiKeyBindings)
        } catch {
            printError(error.description)
            throw ExitCode(78)
        }
        let accounts = dependencies.signIn
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies) { port in
            logger.info("copilot-gateway listening on http://\(configuration.host):\(port)/v1 (Graph: \(configuration.graphBaseURL))")
            await Self.announce(accounts, logger: logger)
        }
        let group = ServiceGroup(configuration: Self.serviceGroupConfiguration([.init(service: app)], configuration, logger: logger))
        try await group.run()
    }

    /// Names who each account is signed in as; the account `default`, signed out, starts a device-code
    /// sign-in (under systemd the code appears in the journal; /login shows it too).
    static func announce(_ accounts: (any SignInDirectory)?, logger: Logger) async {
        guard let accounts else { return }
        for name in await accounts.signInAccountNames() {
            guard let account = await accounts.signInAccount(named: name, creating: false) else { continue }
            if let signIn = await account.currentSignIn, signIn.isSignedIn {
                logger.notice("Signed in as \(signIn.account?.displayName ?? "an unnamed account")", metadata: ["account": "\(name)"])
            } else if name == AccountName.default {
                _ = await account.beginSignIn()
            } else {
                logger.warning("The account is not signed in: sign it in with `copilot-gateway login --account \(name)` or /login?account=\(name)", metadata: ["account": "\(name)"])
            }
        }
    }

    /// SIGTERM or SIGINT stops taking connections and lets running replies go on for the grace period
    /// (then they end with an error event); a few seconds later anything still running is cancelled.
    static func serviceGroupConfiguration(
        _ services: [ServiceGroupConfiguration.ServiceConfiguration], _ configuration: GatewayConfiguration, logger: Logger
    ) -> ServiceGroupConfiguration {
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = configuration.shutdownGrace + .seconds(5)
        return group
    }

    /// A plain explanation for failures a user can fix, such as a port that is taken.
    static func startupProblem(_ error: any Error, configuration: GatewayConfiguration) -> String? {
        let text = String(describing: error)
        if text.contains("Address already in use") {
            return "Port \(configuration.port) on \(configuration.host) is already in use (is another copilot-gateway running?). Stop that process, or choose another port with PORT=... or --port."
        }
        if text.contains("Cannot assign requested address") || text.contains("Name or service not known") {
            return "Cannot listen on \(configuration.host): it is not an address of this machine. Set HOST (or --host) to 127.0.0.1, 0.0.0.0 or one of this machine's addresses."
        }
        return nil
    }

    /// The simulator on a free loopback port, and the gateway pointed at it, under one service group.
    private func runWithSimulator(_ configuration: GatewayConfiguration, httpClient: HTTPClient, metrics: GatewayMetrics, logger: Logger) async throws {
        // The simulator is one account, `default`: a key bound to any other is a mistake to name now.
        if let binding = configuration.apiKeyBindings.first(where: { ($0.accounts ?? []).contains { $0 != AccountName.default } }) {
            printError("\(binding.origin) binds a key to an account other than `default`, but the gateway runs on its built-in simulator (demo mode), which has only the account `default`.")
            throw ExitCode(78)
        }
        let token = "simulator-token"
        let simulator = CopilotSimulator(options: .init(acceptedToken: token))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let simulatorApp = buildSimulatorApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: logger) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let gateway = GatewayAfterSimulator(ports: ports) { port in
            var configuration = configuration
            configuration.graphBaseURL = "http://127.0.0.1:\(port)"
            let host = configuration.host
            // The simulator forgets its conversations when it stops, so the gateway's map need not outlive it.
            let dependencies = try await GatewayDependencies.live(
                configuration: configuration, httpClient: httpClient, logger: logger, metrics: metrics, signIn: .token(token),
                conversations: MemoryConversationStore())
            return try await buildApplication(configuration: configuration, dependencies: dependencies) { gatewayPort in
                logger.notice(
                    "copilot-gateway listening on http://\(host):\(gatewayPort)/v1 in DEMO MODE: answers come from the built-in Copilot simulator (http://127.0.0.1:\(port), see /_sim/requests). Configure Microsoft credentials to use real Copilot."
                )
            }
        }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: simulatorApp), .init(service: gateway)]
        let group = ServiceGroup(configuration: Self.serviceGroupConfiguration(services, configuration, logger: logger))
        try await group.run()
    }
}

/// Runs the gateway once the simulator it talks to has reported its port.
struct GatewayAfterSimulator<App: ApplicationProtocol>: Service {
    let ports: AsyncStream<Int>
    let makeApplication: @Sendable (Int) async throws -> App

    func run() async throws {
        for await port in ports {
            try await makeApplication(port).run()
            return
        }
    }
}

/// Logs to standard error (journald picks it up under systemd) at the configured level.
func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    var logger = Logger(label: "copilot-gateway")
    logger.logLevel = level
    return logger
}
