import Hummingbird
import Logging
import NIOCore

/// Builds a runnable simulator server on `host:port` (port 0 picks a free port).
/// `onServerRunning` receives the port actually bound.
public func buildSimulatorApplication(
    simulator: CopilotSimulator, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: buildSimulatorRouter(simulator: simulator),
        configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "copilot-simulator"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}
