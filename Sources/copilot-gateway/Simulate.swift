import ArgumentParser
import CopilotSimulator
import Hummingbird
import Logging

/// `copilot-gateway simulate`: the Copilot simulator on its own, for tests and experiments.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the built-in simulator of Microsoft Graph's Copilot Chat API on its own.",
        discussion: "Point a gateway at it with GRAPH_BASE_URL=http://127.0.0.1:9100 and any COPILOT_ACCESS_TOKEN."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 9100

    @Option(help: "Growing partial snapshots per streamed reply.")
    var snapshots = 8

    @Option(name: .customLong("delay-ms"), help: "Milliseconds between stream events.")
    var delayMilliseconds = 10

    @Option(help: "The only bearer token accepted (default: any non-empty token).")
    var token: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard snapshots >= 0, delayMilliseconds >= 0 else { throw ValidationError("--snapshots and --delay-ms must not be negative") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: Logger.Level(rawValue: logLevel) ?? .info)
        let simulator = CopilotSimulator(
            options: .init(snapshotCount: snapshots, eventDelay: .milliseconds(delayMilliseconds), acceptedToken: token))
        let app = buildSimulatorApplication(simulator: simulator, host: host, port: port, logger: logger) { port in
            logger.info("Copilot simulator listening on http://\(host):\(port) (Graph paths under /beta/copilot, controls under /_sim)")
        }
        try await app.runService()
    }
}
