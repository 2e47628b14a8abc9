import Hummingbird
import HTTPTypes
import Logging
import NIOCore
import ServiceLifecycle

import Foundation

/// `POST /v1/chat/completions`, whole or as server-sent events.
struct ChatCompletionsController: Sendable {
    let chat: ChatService
    /// How often a `: keep-alive` comment goes out while Copilot is silent; zero: never.
    var keepAliveInterval: Duration = .seconds(15)
    /// After a graceful shutdown began, how long a running reply may go on.
    var shutdownGrace: Duration = .seconds(30)
    var metrics: GatewayMetrics { chat.metrics }

    func addRoutes(to router: some RouterMethods<GatewayRequestContext>) {
        router.post("/v1/chat/completions", use: handle)
        router.post("/chat/completions", use: handle)
    }

    @Sendable func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        // The body was read whole (and limited) before the request was admitted.
        var request = request
        let body = try await request.collectBody(upTo: .max)
        let completion: ChatCompletionRequest
        var turn: PreparedTurn
        do {
            completion = try await Self.decodeOffloaded(body)
            context.facts.isStream = completion.stream == true
            turn = try PreparedTurn.prepare(completion, sessionKey: Self.sessionKey(completion, request.headers))
        } catch {
            metrics.rejected(.invalidRequest)
            throw error
        }
        turn.caller = context.caller
        let id = "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let created = Int(Date().timeIntervalSince1970)
        if completion.stream == true {
            let reply = try await chat.stream(turn)
            return streamResponse(
                reply, id: id, created: created, model: turn.model, includeUsage: completion.includeUsage, start: start, logger: context.logger)
        }
        let (chat, whole) = (chat, turn)
        let reply = try await Self.cutShortAtShutdown(grace: shutdownGrace) { try await chat.complete(whole) }
        metrics.timeToFirstToken(.now - start, stream: false)
        let answer = ChatCompletion(
            id: id, created: created, model: turn.model,
            choices: [.init(message: Self.message(reply), finishReason: reply.finishReason)], usage: reply.usage)
        return Self.json(answer)
    }

    /// The SSE response: a role chunk, content deltas, one finish chunk, the usage chunk if asked, `[DONE]`.
    /// A failure after the first byte is sent as a `data: {"error":…}` event, and the stream then ends.
    private func streamResponse(
        _ reply: ChatService.ReplyStream, id: String, created: Int, model: String, includeUsage: Bool, start: ContinuousClock.Instant, logger: Logger
    ) -> Response {
        let headers: HTTPFields = [
            .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
        let (keepAliveInterval, shutdownGrace, metrics) = (keepAliveInterval, shutdownGrace, metrics)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            metrics.streamStarted()
            var end = GatewayMetrics.StreamEnd.clientGone
            defer { metrics.streamEnded(end) }
            var waitingForFirstPiece = true
            let encoder = GatewayJSON.encoder()
            let contentChunks = ContentChunkWriter(id: id, created: created, model: model)
            func chunk(_ delta: ChatCompletionChunk.Delta, finish: String? = nil) throws -> ByteBuffer {
                let value = ChatCompletionChunk(id: id, created: created, model: model, choices: [.init(delta: delta, finishReason: finish)])
                return Self.event(try encoder.encode(value))
            }
            try await writer.write(chunk(.init(role: "assistant", content: "")))
            do {
                let result = try await Self.relay(reply, keepAlive: keepAliveInterval, shutdownGrace: shutdownGrace) { event in
                    if event != nil, waitingForFirstPiece {
                        waitingForFirstPiece = false
                        metrics.timeToFirstToken(.now - start, stream: true)
                    }
                    guard let piece = event else {
                        // Keeps proxies and clients from dropping the connection while Copilot thinks.
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        return
                    }
                    switch piece {
                    case .text(let text):
                        try await writer.write(contentChunks.event(content: text))
                    case .toolCalls(let calls):
                        for (index, call) in calls.enumerated() {
                            // id, type and name once per call; then the arguments in fragments.
                            let opening = ChatCompletionChunk.ToolCallDelta(index: index, id: call.id, type: "function", function: .init(name: call.name, arguments: ""))
                            try await writer.write(chunk(.init(toolCalls: [opening])))
                            for fragment in Self.fragments(call.arguments, size: 256) {
                                let piece = ChatCompletionChunk.ToolCallDelta(index: index, function: .init(arguments: fragment))
                                try await writer.write(chunk(.init(toolCalls: [piece])))
                            }
                        }
                    }
                }
                // The finish chunk, the usage chunk and [DONE] go out in one write.
                var ending = try chunk(.init(), finish: result.finishReason)
                if includeUsage {
                    let usage = ChatCompletionChunk(id: id, created: created, model: model, choices: [], usage: result.usage)
                    var event = Self.event(try encoder.encode(usage))
                    ending.writeBuffer(&event)
                }
                ending.writeString("data: [DONE]\n\n")
                try await writer.write(ending)
                end = .completed
            } catch let error as OpenAIError where error == .shuttingDown {
                end = .shutdown
                logger.notice("Ended a running stream: the gateway is shutting down")
                try await writer.write(Self.event(error.jsonBytes))
            } catch let error where !(error is CancellationError) && !(error is ClientGone) {
                end = .failed
                let openAIError = (error as? UpstreamError)?.openAIError
                    ?? OpenAIError(status: .badGateway, message: "The stream from Copilot failed.", type: "api_error", code: "upstream_error")
                logger.warning("Stream failed after it started", metadata: ["error.code": "\(openAIError.code ?? "-")"])
                try await writer.write(Self.event(openAIError.jsonBytes))
            }
            try await writer.finish(nil)
        })
    }

    /// What the relay's loop acts on.
    enum RelayEvent: Sendable {
        case piece(ChatService.ReplyPiece)
        case keepAliveTick
        case shutdownBegan
        case graceOver
    }

    /// A write to the client failed: it went away. Nothing more can be sent.
    struct ClientGone: Error {}

    /// Runs the reply and hands each piece to `write`, in this task; while nothing has been written for
    /// `keepAlive`, `write` gets nil (a keep-alive is due). When a graceful shutdown begins, the reply
    /// may go on for `shutdownGrace`; then it is cancelled (and with it the call to Copilot) and
    /// `OpenAIError.shuttingDown` is thrown. A failed write cancels the reply too.
    static func relay(
        _ reply: ChatService.ReplyStream, keepAlive: Duration, shutdownGrace: Duration = .seconds(30),
        write: (ChatService.ReplyPiece?) async throws -> Void
    ) async throws -> ChatService.Reply {
        let (events, continuation) = AsyncThrowingStream<RelayEvent, any Error>.makeStream()
        return try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: ChatService.Reply?.self) { group in
                group.addTask {
                    do {
                        let result = try await reply.run { continuation.yield(.piece($0)) }
                        continuation.finish()
                        return result
                    } catch {
                        continuation.finish(throwing: error)
                        throw error
                    }
                }
                if keepAlive > .zero {
                    group.addTask {
                        while true {
                            try await Task.sleep(for: keepAlive / 2)
                            continuation.yield(.keepAliveTick)
                        }
                    }
                }
                var lastWrite = ContinuousClock.now
                var graceStarted = false
                for try await event in events {
                    switch event {
                    case .piece(let piece):
                        do { try await write(piece) } catch { throw ClientGone() }
                        lastWrite = .now
                    case .keepAliveTick:
                        guard ContinuousClock.now - lastWrite >= keepAlive else { continue }
                        do { try await write(nil) } catch { throw ClientGone() }
                        lastWrite = .now
                    case .shutdownBegan:
                        guard !graceStarted else { continue }
                        graceStarted = true
                        group.addTask {
                            try await Task.sleep(for: shutdownGrace)
                            continuation.yield(.graceOver)
                            return nil
                        }
                    case .graceOver:
                        throw OpenAIError.shuttingDown
                    }
                }
                while let finished = try await group.next() {
                    if let result = finished {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        } onGracefulShutdown: {
            continuation.yield(.shutdownBegan)
        }
    }

    /// Runs `operation` (a whole answer); when a graceful shutdown begins, it may go on for `grace`,
    /// then it is cancelled and the client gets `OpenAIError.shuttingDown`.
    static func cutShortAtShutdown<T: Sendable>(grace: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let (shutdown, began) = AsyncStream<Void>.makeStream()
        return try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await operation() }
                group.addTask {
                    for await _ in shutdown {
                        try await Task.sleep(for: grace)
                        throw OpenAIError.shuttingDown
                    }
                    return nil
                }
                while let finished = try await group.next() {
                    if let result = finished {
                        began.finish()
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        } onGracefulShutdown: {
            began.yield()
        }
    }

    /// The message of a whole answer: text, or tool calls with the prose before them (or null).
    static func message(_ reply: ChatService.Reply) -> ChatCompletion.Message {
        guard !reply.toolCalls.isEmpty else { return .init(content: reply.text) }
        return .init(content: reply.text.isEmpty ? nil : reply.text, toolCalls: reply.toolCalls.map(ChatCompletion.ToolCallObject.init))
    }

    static func fragments(_ text: String, size: Int) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return pieces
    }

    static func event(_ json: some Sequence<UInt8>) -> ByteBuffer {
        var buffer = ByteBuffer(string: "data: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    static func json(_ value: some Encodable) -> Response {
        let bytes = (try? GatewayJSON.encoder().encode(value)) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The client's own name for the conversation, if it gives one.
    static func sessionKey(_ request: ChatCompletionRequest, _ headers: HTTPFields) -> String? {
        let candidates = [
            request.user.map { "user:\($0)" },
            headers[HTTPField.Name("X-Session-Id")!].map { "session:\($0)" },
            headers[HTTPField.Name("x-astrbot-conversation-id")!].map { "astrbot:\($0)" },
        ]
        return candidates.compactMap { $0 }.first { !$0.hasSuffix(":") }
    }
}
