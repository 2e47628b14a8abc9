import AsyncHTTPClient
import Configuration
import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import CopilotGateway

/// The gateway and the Copilot simulator, both live on free loopback ports, as in production.
enum GatewayHarness {
    /// The simulator's port while a harness body runs, for tests that look at the gateway's connections to it.
    @TaskLocal static var simulatorPort: Int?

    /// The admin key every harness gateway has (unless a test sets its own), for `/metrics` and `/login`.
    static let adminKey = "harness-admin-key-0123456789abcdef"
    static var admin: HTTPFields { [.authorization: "Bearer \(adminKey)"] }

    static func run(
        simulator options: SimulatorOptions = .init(snapshotCount: 5, eventDelay: .zero),
        environment: [String: String] = [:],
        conversations: (any ConversationStore)? = nil,
        metrics: GatewayMetrics = GatewayMetrics(),
        logger: Logger = Logger(label: "gateway"),
        _ body: @Sendable (any TestClientProtocol, CopilotSimulator) async throws -> Void
    ) async throws {
        let simulator = CopilotSimulator(options: options)
        try await run(
            simulator: simulator, environment: environment, conversations: conversations ?? MemoryConversationStore(), metrics: metrics,
            logger: logger, body)
    }

    /// The gateway against an already running simulator (to restart the gateway in front of the same one).
    static func run(
        simulator: CopilotSimulator,
        environment: [String: String] = [:],
        conversations: any ConversationStore,
        metrics: GatewayMetrics = GatewayMetrics(),
        logger: Logger = Logger(label: "gateway"),
        _ body: @Sendable (any TestClientProtocol, CopilotSimulator) async throws -> Void
    ) async throws {
        let simulatorApp = buildSimulatorApplication(simulator: simulator, host: "127.0.0.1", port: 0, logger: Logger(label: "simulator"))
        try await simulatorApp.test(.live) { simulatorClient in
            let port = try #require(simulatorClient.port)
            var settings = [
                "PORT": "0", "GRAPH_BASE_URL": "http://127.0.0.1:\(port)", "COPILOT_ACCESS_TOKEN": "test-token",
                "COPILOT_TIMEZONE": "Europe/Berlin", "GATEWAY_ADMIN_KEY": adminKey,
            ]
            settings.merge(environment) { $1 }
            let configuration = try GatewayConfiguration(reader: .gateway(environment: settings), environment: ["HOME": "/tmp"])
            // A short connect timeout: an unreachable Copilot is tried twice (the retry).
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(2))))
            let dependencies = try await GatewayDependencies.live(
                configuration: configuration, httpClient: httpClient, logger: logger, metrics: metrics, conversations: conversations)
            let app = try await buildApplication(configuration: configuration, dependencies: dependencies)
            do {
                try await app.test(.live) { client in try await $simulatorPort.withValue(port) { try await body(client, simulator) } }
            } catch {
                try await httpClient.shutdown()
                throw error
            }
            try await httpClient.shutdown()
        }
    }
}

/// `body` with the `model` every OpenAI request must name, unless it names one (or says it has none).
func withModel(_ body: [String: Any]) -> [String: Any] {
    body["model"] == nil ? body.merging(["model": "copilot"]) { given, _ in given } : body
}

extension TestClientProtocol {
    /// `POST /v1/chat/completions` with a JSON object body.
    func chat(_ body: [String: Any], headers: HTTPFields = [:]) async throws -> TestResponse {
        let data = try JSONSerialization.data(withJSONObject: withModel(body))
        var headers = headers
        headers[.contentType] = "application/json"
        return try await execute(uri: "/v1/chat/completions", method: .post, headers: headers, body: ByteBuffer(bytes: data))
    }

    func chatRaw(_ body: String) async throws -> TestResponse {
        try await execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }
}

/// A whole HTTP response: from the harness's test client, or from AsyncHTTPClient where a test needs
/// connections of its own (requests in parallel, a client that goes away).
protocol HTTPAnswer {
    var status: HTTPResponse.Status { get }
    var headers: HTTPFields { get }
    var body: ByteBuffer { get }
}

extension TestResponse: HTTPAnswer {}

extension HTTPAnswer {
    var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
            return try #require(object as? [String: Any])
        }
    }

    /// The assistant's text of a whole (non-streamed) answer.
    var replyText: String {
        get throws {
            let choice = try #require((try json["choices"] as? [[String: Any]])?.first)
            return try #require((choice["message"] as? [String: Any])?["content"] as? String)
        }
    }

    /// The `data:` payloads of an SSE body, in order.
    var eventPayloads: [String] {
        String(buffer: body).components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst("data: ".count)) : nil
        }
    }

    /// The JSON chunks of an SSE body (not `[DONE]`).
    var chunks: [[String: Any]] {
        get throws {
            try eventPayloads.filter { $0 != "[DONE]" }.map {
                try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
    }

    /// The content deltas of an SSE body, joined.
    var streamedText: String {
        get throws {
            try chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }.joined()
        }
    }

    /// The OpenAI error object, checking that all four fields are there.
    var openAIError: [String: Any] {
        get throws {
            let error = try #require(try json["error"] as? [String: Any])
            #expect(Set(error.keys) == ["message", "type", "param", "code"])
            #expect((error["message"] as? String)?.isEmpty == false)
            return error
        }
    }
}

extension CopilotSimulator {
    /// The JSON bodies of the recorded requests whose path ends with `suffix`.
    nonisolated func recordedBodies(pathSuffix suffix: String) async throws -> [[String: Any]] {
        let data = try JSONEncoder().encode(await recordedRequests)
        let all = try #require(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        return all.filter { ($0["path"] as? String)?.hasSuffix(suffix) == true }.compactMap { $0["body"] as? [String: Any] }
    }

    /// The conversation id of each turn sent, in order.
    nonisolated func turnConversations() async -> [String] {
        await recordedRequests.compactMap { request in
            let parts = request.path.split(separator: "/")
            guard parts.count == 5, parts.last == "chat" || parts.last == "chatOverStream" else { return nil }
            return String(parts[3])
        }
    }

    /// How many conversations the gateway created.
    nonisolated func createdConversationCount() async -> Int {
        await recordedRequests.filter { $0.path == "/beta/copilot/conversations" }.count
    }
}

/// What the simulator answers to `prompt` with no other context, as the gateway formats it by default
/// (citations as Markdown reference links).
func expectedReply(_ prompt: String) -> String {
    let reply = SimulatedReplies.reply(to: prompt, conversationText: [])
    let sources = reply.attributions.filter { $0.attributionType == "citation" }.map { ReplySource(title: $0.providerDisplayName, url: $0.seeMoreWebUrl) }
    return ReplyFormatter(citations: .markdown).format(reply.text, sources: sources, isComplete: true)
}
