import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1

import Foundation

/// The Microsoft 365 Copilot Chat API on AsyncHTTPClient: Graph's `/beta/copilot/conversations`, or
/// the same conversations on Work IQ REST (`api`).
///
/// HTTP/2 is used when the server offers it over TLS (AsyncHTTPClient's default).
///
/// With `asksForDeltas`, streamed turns send `responseOptions.isDeltaStreamingEnabled`, an undocumented
/// option. Whatever Graph makes of it, the snapshots handed on are cumulative (``DeltaSnapshots``); if
/// Graph refuses a turn with 400 that it accepts without the option, the option is dropped for good.
public struct GraphClient: CopilotUpstream {
    let httpClient: HTTPClient
    /// Where the conversations are: `…/beta/copilot/conversations` (Graph) or `…/conversations` (Work IQ).
    let conversationsURL: String
    let tokens: any AccessTokenProvider
    let timeout: Duration
    let logger: Logger
    /// Whether Copilot answered lately, for `/readyz` (shared by every account's client).
    public let health: UpstreamHealth
    /// Whether streamed turns (still) ask for delta streaming.
    let deltas: DeltaStreamingSwitch

    public init(
        httpClient: HTTPClient, baseURL: String, api: CopilotAPI = .graph, tokens: any AccessTokenProvider, timeout: Duration,
        asksForDeltas: Bool = false, health: UpstreamHealth = UpstreamHealth(), logger: Logger
    ) {
        self.health = health
        self.httpClient = httpClient
        self.conversationsURL = api.conversationsURL(base: baseURL)
        self.tokens = tokens
        self.timeout = timeout
        self.deltas = DeltaStreamingSwitch(isOn: asksForDeltas)
        self.logger = logger
    }

    /// `POST …/conversations`: a new, empty conversation's id.
    func createConversation() async throws -> String {
        let response = try await send(url: conversationsURL, body: ByteBuffer(string: "{}"), accept: "application/json")
        let body = try await collect(response)
        guard let id = Self.conversation(in: body)?.id, !id.isEmpty else {
            throw UpstreamError.malformedResponse("the new conversation has no id")
        }
        guard Self.isConversationID(id) else {
            throw UpstreamError.malformedResponse(
                "the new conversation's id is not 1 to \(Self.maxConversationIDLength) letters, digits, '-', '_', '.' or '~' (it has \(id.utf8.count) bytes)")
        }
        return id
    }

    /// The longest conversation id taken from Graph, whose ids are GUIDs (36 characters).
    static let maxConversationIDLength = 128

    /// Whether `id` can be a conversation id: 1 to `maxConversationIDLength` of URL's unreserved
    /// characters. Anything else comes from a broken or hostile upstream, and goes no further: an id
    /// of 70 KB put into the next request's path once crashed AsyncHTTPClient.
    static func isConversationID(_ id: String) -> Bool {
        (1...maxConversationIDLength).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                true
            default: false
            }
        }
    }

    /// `POST …/{id}/chat`: one turn, answered whole.
    func chat(conversationID: String, request: GraphChatRequest) async throws -> GraphConversation {
        let response = try await send(url: turnURL(conversationID, "chat"), body: request.jsonBody, accept: "application/json")
        let body = try await collect(response)
        do {
            return try JSONDecoder().decode(GraphConversation.self, from: Data(body.readableBytesView))
        } catch {
            throw UpstreamError.malformedResponse("the chat answer is not a conversation (\(error))")
        }
    }

    /// `POST …/{id}/chatOverStream`: returns once Graph has accepted the turn (status 200), so a failure
    /// before that is still an ordinary HTTP error for the client. The snapshots follow from `snapshots`.
    func openStream(conversationID: String, request: GraphChatRequest) async throws -> any ReplySnapshots {
        let url = turnURL(conversationID, "chatOverStream")
        guard deltas.isOn else {
            let response = try await send(url: url, body: request.jsonBody, accept: "text/event-stream")
            return GraphSnapshotStream(body: response.body, logger: logger)
        }
        var asking = request
        asking.responseOptions = .init(isDeltaStreamingEnabled: true)
        do {
            let response = try await send(url: url, body: asking.jsonBody, accept: "text/event-stream")
            return DeltaSnapshots(base: GraphSnapshotStream(body: response.body, logger: logger))
        } catch UpstreamError.status(400, _, _, _, _) {
            // Perhaps Graph does not know the option: the same turn without it tells.
            let response = try await send(url: url, body: request.jsonBody, accept: "text/event-stream")
            deltas.turnOff()
            logger.warning("Graph refused a turn that asked for delta streaming and took it without; COPILOT_DELTA_STREAMING is ignored from now on")
            return GraphSnapshotStream(body: response.body, logger: logger)
        }
    }

    private func turnURL(_ conversationID: String, _ action: String) -> String {
        "\(conversationsURL)/\(Self.pathSegment(conversationID))/\(action)"
    }

    /// A conversation id as a URL path segment, escaped as `urlPathAllowed` escapes it. Graph's ids are
    /// GUIDs: letters, digits and dashes need no escaping, and Foundation's is slow.
    static func pathSegment(_ conversationID: String) -> String {
        let isPlain = conversationID.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "~")
        }
        return isPlain ? conversationID : conversationID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? conversationID
    }

    /// A small Graph answer read as a conversation: by the scanner, or by `JSONDecoder` when the
    /// scanner leaves it (see `SnapshotScanner`).
    private static func conversation(in body: ByteBuffer) -> GraphConversation? {
        var scanner = SnapshotScanner()
        if let scanned = body.readableBytesView.withContiguousStorageIfAvailable({ scanner.scan(bytes: $0) }) ?? nil { return scanned }
        return try? JSONDecoder().decode(GraphConversation.self, from: Data(body.readableBytesView))
    }

    /// Sends a POST and returns the response once its status is a success; otherwise throws `UpstreamError`.
    /// A 401 is answered once by getting a fresh token and sending the request again.
    private func send(url: String, body: ByteBuffer, accept: String) async throws -> HTTPClientResponse {
        var token = try await tokens.accessToken()
        var response = try await execute(url: url, body: body, accept: accept, token: token)
        if response.status == .unauthorized {
            await tokens.tokenWasRejected(token)
            let fresh = try await tokens.accessToken()
            if fresh != token {
                _ = try? await response.body.collect(upTo: 1 << 20)  // let the connection be reused
                token = fresh
                response = try await execute(url: url, body: body, accept: accept, token: token)
            }
        }
        guard (200..<300).contains(response.status.code) else {
            throw await Self.statusError(response, logger: logger)
        }
        return response
    }

    private func execute(url: String, body: ByteBuffer, accept: String, token: String) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "client-request-id", value: RandomID.uuid())
        request.body = .bytes(body)
        do {
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(timeout), logger: logger)
            await health.record(reachable: response.status.code < 500)
            return response
        } catch {
            let upstream = Self.upstreamError(from: error)
            if !(upstream is CancellationError) { await health.record(reachable: false) }
            throw upstream
        }
    }

    private func collect(_ response: HTTPClientResponse) async throws -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw Self.upstreamError(from: error)
        }
    }

    static func statusError(_ response: HTTPClientResponse, logger: Logger) async -> UpstreamError {
        let body = try? await response.body.collect(upTo: 1 << 20)
        let detail = body.flatMap { try? JSONDecoder().decode(GraphErrorEnvelope.self, from: Data($0.readableBytesView)) }?.error
        let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.seconds($0) }
        let requestID = response.headers.first(name: "request-id") ?? response.headers.first(name: "client-request-id")
        logger.warning(
            "Copilot answered with an error",
            metadata: [
                "status": "\(response.status.code)", "graph.code": "\(detail?.code ?? "-")", "graph.request-id": "\(requestID ?? "-")",
            ])
        return .status(Int(response.status.code), code: detail?.code, message: detail?.message, retryAfter: retryAfter, requestID: requestID)
    }

    static func upstreamError(from error: any Error) -> any Error {
        if error is UpstreamError || error is CancellationError { return error }
        if let clientError = error as? HTTPClientError {
            if clientError == .deadlineExceeded || clientError == .readTimeout { return UpstreamError.timeout }
            if clientError == .cancelled { return CancellationError() }
        }
        return UpstreamError.transport(String(describing: error))
    }
}
