import ArgumentParser
import CopilotSimulator
import Hummingbird
import Logging

/// `copilot-gateway simulate`: the Copilot simulator on its own, for tests and experiments.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the built-in simulator of Microsoft Graph's Copilot Chat API and its sign-in endpoints on its own.",
        discussion: """
            Point a gateway at it with GRAPH_BASE_URL=http://127.0.0.1:9100 (and WORKIQ_BASE_URL=http://127.0.0.1:9100/rest) \
            and any COPILOT_ACCESS_TOKEN, \
            or sign in through its fake identity platform with LOGIN_BASE_URL=http://127.0.0.1:9100 \
            (approve device codes with POST /_sim/devicecode/approve or --auto-approve).
            """
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

    @Flag(help: "Accept on the Graph endpoints only unexpired access tokens the simulator issued.")
    var checkTokens = false

    @Flag(help: "Approve every device code automatically, 200 ms after it was issued.")
    var autoApprove = false

    @Option(name: .customLong("token-lifetime"), help: "Access-token lifetime in seconds (expires_in).")
    var tokenLifetime = 3600

    @Option(name: .customLong("device-code-interval"), help: "Polling interval in seconds told to device-code clients.")
    var deviceCodeInterval = 5

    @Option(name: .customLong("device-code-lifetime"), help: "Device-code lifetime in seconds.")
    var deviceCodeLifetime = 900

    @Flag(help: "Answer slow_down to a device-code poll sooner than the interval after the previous one.")
    var enforceSlowDown = false

    @Flag(help: "Revoke a refresh token once it has been redeemed for a new one.")
    var revokeRotatedRefreshTokens = false

    @Flag(help: "Write tool calls and JSON answers untidily, as real models do: prose around a code fence, a trailing comma.")
    var messy = false

    @Option(name: .customLong("request-log-limit"), help: "Requests the request log (/_sim/requests) keeps, the newest; 0: all (memory grows with every request).")
    var requestLogLimit = 1000

    @Option(name: .customLong("conversation-limit"), help: "Conversations the simulator remembers, the newest; an older one answers 404 like a conversation Graph forgot. 0: all.")
    var conversationLimit = 1000

    @Option(name: .customLong("delta-streaming"), help: "What a turn asking for delta streaming (responseOptions.isDeltaStreamingEnabled) gets: honour (partial snapshots carry only new text), ignore (cumulative as always) or refuse (400).")
    var deltaStreaming = "honour"

    @Option(name: .customLong("workiq-citations"), help: "How replies on the Work IQ paths (/rest/conversations) cite their sources: references (a map, as Work IQ's resource documents) or attributions (as Graph and Work IQ's examples).")
    var workIQCitations = "references"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard snapshots >= 0, delayMilliseconds >= 0 else { throw ValidationError("--snapshots and --delay-ms must not be negative") }
        guard tokenLifetime >= 1, deviceCodeLifetime >= 1 else {
            throw ValidationError("--token-lifetime and --device-code-lifetime must be at least 1 second")
        }
        guard deviceCodeInterval >= 0 else { throw ValidationError("--device-code-interval must not be negative") }
        guard requestLogLimit >= 0, conversationLimit >= 0 else {
            throw ValidationError("--request-log-limit and --conversation-limit must not be negative")
        }
        guard SimulatorOptions.DeltaStreaming(rawValue: deltaStreaming) != nil else {
            throw ValidationError("--delta-streaming must be one of honour, ignore, refuse")
        }
        guard SimulatorOptions.WorkIQCitations(rawValue: workIQCitations) != nil else {
            throw ValidationError("--workiq-citations must be references or attributions")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: Logger.Level(rawValue: logLevel) ?? .info)
        let simulator = CopilotSimulator(
            options: .init(
                snapshotCount: snapshots, eventDelay: .milliseconds(delayMilliseconds), acceptedToken: token,
                accessTokenLifetime: .seconds(tokenLifetime), deviceCodeLifetime: .seconds(deviceCodeLifetime),
                deviceCodeInterval: deviceCodeInterval, enforceSlowDown: enforceSlowDown,
                revokeRotatedRefreshTokens: revokeRotatedRefreshTokens, checkTokens: checkTokens,
                autoApprove: autoApprove, messyOutput: messy, requestLogLimit: requestLogLimit,
                conversationLimit: conversationLimit,
                deltaStreaming: SimulatorOptions.DeltaStreaming(rawValue: deltaStreaming) ?? .honour,
                workIQCitations: SimulatorOptions.WorkIQCitations(rawValue: workIQCitations) ?? .references))
        let app = buildSimulatorApplication(simulator: simulator, host: host, port: port, logger: logger) { port in
            logger.info("Copilot simulator listening on http://\(host):\(port) (Graph paths under /beta/copilot, Work IQ under /rest, identity under /{tenant}/oauth2/v2.0, controls under /_sim)")
        }
        try await app.runService()
    }
}
