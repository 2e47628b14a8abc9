import AsyncHTTPClient
import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

@testable import CopilotGateway

/// What an operator relies on: metrics, logs without secrets, a client that goes away, a clean stop.
@Suite struct OperationsTests {
    @Test func metricsCountRequestsUpstreamCallsStreamsRetriesAndRejections() async throws {
        let environment = ["GATEWAY_API_KEYS": LimitTests.keyA]
        try await GatewayHarness.run(environment: environment) { client, simulator in
            let key = LimitTests.bearer(LimitTests.keyA)
            #expect(try await client.chat(LimitTests.hello, headers: key).status == .ok)
            let streamed = try await client.chat(["stream": true, "messages": [["role": "user", "content": "stream it"]]], headers: key)
            #expect(streamed.eventPayloads.last == "[DONE]")
            await simulator.addFault(.init(kind: .status, endpoint: .chat, status: 503))
            #expect(try await client.chat(["messages": [["role": "user", "content": "after a 503"]]], headers: key).status == .ok)
            #expect(try await client.chat(LimitTests.hello).status == .unauthorized)
            var json = key
            json[.contentType] = "application/json"
            #expect(try await client.execute(uri: "/v1/chat/completions", method: .post, headers: json, body: ByteBuffer(string: "{")).status == .badRequest)

            let response = try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = PrometheusText(String(buffer: response.body))
            let chat = "/v1/chat/completions"
            #expect(text.value("copilot_gateway_requests_total", ["route": chat, "status": "200", "stream": "false"]) == 2)
            #expect(text.value("copilot_gateway_requests_total", ["route": chat, "status": "200", "stream": "true"]) == 1)
            #expect(text.value("copilot_gateway_requests_total", ["route": chat, "status": "401"]) == 1)
            #expect(text.value("copilot_gateway_requests_total", ["route": chat, "status": "400"]) == 1)
            #expect(text.value("copilot_gateway_request_duration_seconds_count", ["route": chat]) == 5)
            #expect(text.value("copilot_gateway_upstream_duration_seconds_count", ["call": "create", "status": "ok"]) == 4)
            #expect(text.value("copilot_gateway_upstream_duration_seconds_count", ["call": "chat", "status": "503"]) == 1)
            #expect(text.value("copilot_gateway_upstream_duration_seconds_count", ["call": "stream", "status": "ok"]) == 1)
            #expect(text.value("copilot_gateway_time_to_first_token_seconds_count", ["stream": "true"]) == 1)
            #expect(text.value("copilot_gateway_time_to_first_token_seconds_count", ["stream": "false"]) == 2)
            #expect(text.value("copilot_gateway_active_streams") == 0)
            #expect(text.value("copilot_gateway_streams_total", ["outcome": "completed"]) == 1)
            #expect(text.value("copilot_gateway_upstream_retries_total", ["reason": "server_error"]) == 1)
            #expect(text.value("copilot_gateway_rejected_requests_total", ["reason": "invalid_api_key"]) == 1)
            #expect(text.value("copilot_gateway_rejected_requests_total", ["reason": "invalid_request"]) == 1)
            #expect(text.value("copilot_gateway_conversations_tracked") == 3)
            #expect(text.value("copilot_gateway_upstream_queue_waiting") == 0)
        }
    }

    @Test func theOverheadMetricLeavesOutTheTimeSpentWaitingOnCopilot() async throws {
        // Four snapshots 300 ms apart: the stream takes a second, nearly all of it waiting on Copilot.
        try await GatewayHarness.run(simulator: .init(snapshotCount: 4, eventDelay: .milliseconds(300))) { client, _ in
            let streamed = try await client.chat(["stream": true, "messages": [["role": "user", "content": "take your time"]]])
            #expect(streamed.eventPayloads.last == "[DONE]")
            let response = try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin)
            let text = PrometheusText(String(buffer: response.body))
            let labels = ["route": "/v1/chat/completions", "stream": "true"]
            #expect(text.value("copilot_gateway_overhead_seconds_count", labels) == 1)
            let whole = try #require(text.value("copilot_gateway_request_duration_seconds_sum", labels))
            let overhead = try #require(text.value("copilot_gateway_overhead_seconds_sum", labels))
            #expect(whole >= 0.9)
            #expect(overhead > 0)
            #expect(overhead < whole - 0.8, "the gateway's own time is \(overhead) s of \(whole) s")
        }
    }

    @Test func metricsNeedTheAdminKeyWhereverTheRequestComesFrom() async throws {
        let directory = try await ConversationDirectory(store: MemoryConversationStore(), ttl: .seconds(60), capacity: 10, logger: Logger(label: "test"))
        let turns = TurnPipeline(
            upstream: FakeCopilotUpstream { _, _ in .reply("unused") },
            settings: .init(timeZone: "UTC", webEnabled: false, alwaysNewConversation: false, retryOnServerError: true, citations: .markdown),
            directory: directory, logger: Logger(label: "test"))
        let admin = "admin-0123456789abcdef"
        let app = Application(router: buildRouter(turns: turns, modelNames: ["copilot"], access: AdminAccess(adminKey: admin)))
        try await app.test(.router) { client in
            let refused = try await client.execute(uri: "/metrics", method: .get)
            #expect(refused.status == .forbidden)
            #expect(try refused.openAIError["code"] as? String == "admin_key_required")
            let allowed = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(admin)"])
            #expect(allowed.status == .ok)
            #expect(String(buffer: allowed.body).contains("copilot_gateway_active_streams"))
        }
    }

    /// A loopback peer may be a reverse proxy, a TCP forwarder or an SSH tunnel: it proves nothing.
    @Test func metricsAndTheLoginPageNeedASecretEvenFromLoopbackWithoutProxyHeaders() async throws {
        try await GatewayHarness.run { client, _ in
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .forbidden)
            #expect(try metrics.openAIError["code"] as? String == "admin_key_required")
            for method in [HTTPRequest.Method.get, .post] {
                let login = try await client.execute(uri: "/login", method: method)
                #expect(login.status == .forbidden)
                #expect(try login.openAIError["code"] as? String == "login_secret_required")
            }
            let wrongLink = try await client.execute(uri: "/login?token=guess", method: .get)
            #expect(wrongLink.status == .forbidden)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin).status == .ok)
        }
    }

    @Test func aClientThatGoesAwayMidStreamCancelsTheCallToCopilot() async throws {
        let metrics = GatewayMetrics()
        try await GatewayHarness.run(simulator: .init(snapshotCount: 40, eventDelay: .milliseconds(150)), metrics: metrics) { client, simulator in
            let port = try #require(client.port)
            try await withHTTPClient { http in
                let reader = Task {
                    let response = try await http.execute(LimitTests.request(port: port, text: "a long story", stream: true), timeout: .seconds(30))
                    var received = ""
                    for try await part in response.body {
                        received += String(buffer: part)
                        if received.contains("\"content\":\"") && received.contains("\"delta\":{\"content\"") { return received }
                    }
                    return received
                }
                let seen = try await reader.value  // returning drops the body: the connection closes
                #expect(seen.contains("delta"))
            }
            // The simulator would need six seconds to finish; it sees the gateway hang up instead.
            let deadline = ContinuousClock.now + .seconds(4)
            var counts = await simulator.streams
            while counts.abandoned == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                counts = await simulator.streams
            }
            #expect(counts.open == 0 && counts.completed == 0 && counts.abandoned == 1)
            try await Task.sleep(for: .milliseconds(100))
            #expect(LimitTests.value(in: metrics, "copilot_gateway_streams_total", ["outcome": "client_gone"]) == 1)
            #expect(LimitTests.value(in: metrics, "copilot_gateway_active_streams") == 0)
            // The history of that turn is not continued (Copilot may hold part of it), and the next one works.
            #expect(try await client.chat(LimitTests.hello).status == .ok)
        }
    }

    @Test func nothingSecretOrPrivateIsLoggedAtTheDefaultLevel() async throws {
        let capture = LogCapture()
        var logger = capture.logger("gateway")
        logger.logLevel = .info
        let secretText = "zebra-quartz-7781 my private question"
        let environment = ["GATEWAY_API_KEYS": LimitTests.keyA, "COPILOT_ACCESS_TOKEN": "graph-token-5d1e9c"]
        try await GatewayHarness.run(environment: environment, logger: logger) { client, simulator in
            let key = LimitTests.bearer(LimitTests.keyA)
            _ = try await client.chat(["messages": [["role": "user", "content": secretText]]], headers: LimitTests.bearer("wrong-key-0123456789"))
            let whole = try await client.chat(["messages": [["role": "system", "content": "persona-secret-44"], ["role": "user", "content": secretText]]], headers: key)
            #expect(whole.status == .ok)
            let reply = try whole.replyText
            await simulator.addFault(.init(kind: .status, endpoint: .stream, status: 502))
            _ = try await client.chat(["stream": true, "messages": [["role": "user", "content": secretText + " streamed"]]], headers: key)
            await simulator.addFault(.init(kind: .cut, endpoint: .stream, afterEvents: 3))
            _ = try await client.chat(["stream": true, "messages": [["role": "user", "content": secretText + " cut"]]], headers: key)
            let logged = capture.text
            #expect(!logged.isEmpty, "the capture saw the gateway's warnings")
            for secret in [LimitTests.keyA, "wrong-key-0123456789", "graph-token-5d1e9c", "zebra-quartz", "persona-secret-44", reply] {
                #expect(!logged.contains(secret), "logged: \(secret)")
            }
        }
        // The switch that does log message text, and proof the capture would have caught it.
        let opted = LogCapture()
        var verbose = opted.logger("gateway")
        verbose.logLevel = .info
        try await GatewayHarness.run(environment: ["LOG_MESSAGE_TEXT": "1"], logger: verbose) { client, _ in
            let response = try await client.chat(["messages": [["role": "user", "content": secretText]]])
            #expect(response.status == .ok)
        }
        #expect(opted.text.contains("zebra-quartz-7781"))
    }

    @Test func aKeyInTheQueryStringNeverReachesTheLogEvenAtTrace() async throws {
        let capture = LogCapture()
        let logger = capture.logger("gateway")  // trace
        try await GatewayHarness.run(environment: ["GATEWAY_API_KEYS": LimitTests.keyA], logger: logger) { client, _ in
            let refused = try await client.execute(uri: "/v1/models?api_key=query-secret-0123456789abc&key=x", method: .get)
            #expect(refused.status == .unauthorized)
            _ = try await client.execute(uri: "/v1/chat/completions?api-key=query-secret-0123456789abc", method: .post, headers: LimitTests.bearer(LimitTests.keyA))
        }
        #expect(capture.text.contains("/v1/models"), "the request was logged, without its query")
        #expect(!capture.text.contains("query-secret"))
        // Without a Microsoft account to sign in (a static token here) there is no sign-in link to log.
        #expect(!capture.text.contains("login?token="))
    }
}

/// SIGTERM with replies running: they may finish within the grace period, then they are ended with an
/// error event, and the call to Copilot is cancelled.
@Suite struct GracefulShutdownTests {
    @Test func aStreamThatFinishesWithinTheGraceEndsNormally() async throws {
        // A grace far longer than the stream and than the bound below: the server stops when the stream
        // ends, not when the grace does (the bound leaves a machine running the whole suite its slack).
        let result = try await Self.shutDownDuringStream(grace: 30, simulator: .init(snapshotCount: 8, eventDelay: .milliseconds(100)))
        #expect(result.events.last == "[DONE]")
        #expect(!result.events.contains { $0.contains("gateway_shutting_down") })
        #expect(result.streams.open == 0 && result.streams.completed == 1 && result.streams.abandoned == 0)
        #expect(result.serverStoppedAfter < .seconds(15))
    }

    @Test func aStreamStillRunningAfterTheGraceEndsWithAnErrorEventAndCopilotIsHungUpOn() async throws {
        // The error event, no [DONE] and the abandoned stream show the reply was cut; the time bound
        // leaves a machine running the whole suite its slack.
        let result = try await Self.shutDownDuringStream(grace: 1, simulator: .init(snapshotCount: 60, eventDelay: .milliseconds(150)))
        let last = try #require(result.events.last)
        #expect(last.contains("\"code\":\"gateway_shutting_down\""))
        #expect(!result.events.contains("[DONE]"))
        #expect(result.streams.open == 0 && result.streams.completed == 0 && result.streams.abandoned == 1)
        #expect(result.serverStoppedAfter >= .milliseconds(900) && result.serverStoppedAfter < .seconds(10))
    }

    struct Outcome {
        var events: [String]
        var streams: StreamCounts
        var serverStoppedAfter: Duration
    }

    /// Starts a stream, begins a graceful shutdown once its first text arrived, and reads it to the end.
    static func shutDownDuringStream(grace: Int, simulator options: SimulatorOptions) async throws -> Outcome {
        try await withStoppableGateway(grace: grace, simulator: options) { port, group, simulator, serverStopped in
            var body = ""
            var stoppedAfter = Duration.zero
            try await withHTTPClient { http in
                let response = try await http.execute(LimitTests.request(port: port, text: "tell me a story", stream: true), timeout: .seconds(30))
                var shutdownAt: ContinuousClock.Instant?
                for try await part in response.body {
                    body += String(buffer: part)
                    if shutdownAt == nil, body.contains("\"delta\":{\"content\"") {
                        shutdownAt = .now
                        await group.triggerGracefulShutdown()
                    }
                }
                try await serverStopped()
                stoppedAfter = ContinuousClock.now - (shutdownAt ?? .now)
            }
            try await Task.sleep(for: .milliseconds(300))
            let events = body.components(separatedBy: "\n\n").compactMap { $0.hasPrefix("data: ") ? String($0.dropFirst(6)) : nil }
            return Outcome(events: events, streams: await simulator.streams, serverStoppedAfter: stoppedAfter)
        }
    }

    @Test func aWholeAnswerStillRunningAfterTheGraceGets503() async throws {
        try await Self.withStoppableGateway(grace: 1, simulator: .init(snapshotCount: 3, eventDelay: .zero)) { port, group, simulator, serverStopped in
            await simulator.addFault(.init(kind: .delay, endpoint: .chat, delayMs: 8000))
            try await withHTTPClient { http in
                async let answer = http.execute(LimitTests.request(port: port, text: "slow"), timeout: .seconds(30))
                // Stop once the turn is with Copilot (its reply delayed 8 s, far beyond the 1 s grace), however busy the machine.
                let deadline = ContinuousClock.now + .seconds(10)
                while await simulator.turnConversations().isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                let shutdownAt = ContinuousClock.now
                await group.triggerGracefulShutdown()
                let response = try await answer
                #expect(response.status == .serviceUnavailable)
                let body = try JSONSerialization.jsonObject(with: Data((try await response.body.collect(upTo: 1 << 16)).readableBytesView)) as? [String: Any]
                #expect((body?["error"] as? [String: Any])?["code"] as? String == "gateway_shutting_down")
                try await serverStopped()
                let stoppedAfter = ContinuousClock.now - shutdownAt
                // The 503 above shows the reply was cut; the bound leaves a loaded machine its slack.
                #expect(stoppedAfter >= .milliseconds(900) && stoppedAfter < .seconds(10))
            }
        }
    }

    /// The gateway in a service group of its own in front of a live simulator, so a test can begin a
    /// graceful shutdown (`group`) and wait until the server has stopped (`serverStopped`).
    static func withStoppableGateway<T: Sendable>(
        grace: Int, simulator options: SimulatorOptions,
        _ body: @Sendable (Int, ServiceGroup, CopilotSimulator, _ serverStopped: () async throws -> Void) async throws -> T
    ) async throws -> T {
        let simulator = CopilotSimulator(options: options)
        let simulatorApp = buildSimulatorApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: Logger(label: "simulator"))
        return try await simulatorApp.test(.live) { simulatorClient in
            let upstream = try #require(simulatorClient.port)
            let configuration = try GatewayConfiguration(
                reader: .gateway(environment: [
                    "PORT": "0", "GRAPH_BASE_URL": "http://127.0.0.1:\(upstream)", "COPILOT_ACCESS_TOKEN": "t",
                    "COPILOT_TIMEZONE": "UTC", "GATEWAY_SHUTDOWN_GRACE_SECONDS": String(grace),
                ]),
                environment: ["HOME": "/tmp"])
            let logger = Logger(label: "gateway")
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let dependencies = try await GatewayDependencies.live(
                configuration: configuration, httpClient: .shared, logger: logger, conversations: MemoryConversationStore())
            let app = try await buildApplication(configuration: configuration, dependencies: dependencies) { portContinuation.yield($0) }
            var groupConfiguration = ServiceGroupConfiguration(services: [.init(service: app)], logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(grace + 5)
            let group = ServiceGroup(configuration: groupConfiguration)
            return try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let result = try await body(port, group, simulator) { try await tasks.next() }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            }
        }
    }
}
