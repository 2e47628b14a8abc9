import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Handlers for the Graph-shaped endpoints under `/beta/copilot/conversations`.
struct GraphHandlers: Sendable {
    let simulator: CopilotSimulator

    private var options: SimulatorOptions { simulator.options }

    @Sendable func create(_ request: Request, context: BasicRequestContext) async throws -> Response {
        _ = try await prepare(request, endpoint: .create)
        let conversation = await simulator.createConversation(now: Date())
        return jsonResponse(status: 201, GraphPayloads.created(conversation))
    }

    @Sendable func chat(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let faults = try await prepare(request, endpoint: .chat)
        let chat = try await chatRequest(request, context: context)
        let turn = try await simulator.runTurn(
            conversationID: try context.parameters.require("id"), request: chat, faults: faults, streamed: false,
            commit: true, now: Date())
        return jsonResponse(
            status: 200,
            GraphPayloads.finalSnapshot(turn, context: GraphPayloads.chatContext, replyCards: [.object([])]))
    }

    @Sendable func chatOverStream(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let faults = try await prepare(request, endpoint: .stream)
        let chat = try await chatRequest(request, context: context)
        let turn = try await simulator.runTurn(
            conversationID: try context.parameters.require("id"), request: chat, faults: faults, streamed: true,
            commit: !faults.contains(.inbandError), now: Date())
        let script = StreamScript(turn: turn, snapshotCount: options.snapshotCount, faults: faults, deltas: chat.asksForDeltas)
        if script.finalReplyText != turn.reply.text {
            await simulator.updateReply(
                conversationID: turn.conversationID, replyID: turn.reply.id, text: script.finalReplyText)
        }
        let delay = options.eventDelay
        let firstTextIndex = script.firstTextIndex
        let contentType = faults.contains(.contentType) ? "event/stream" : "text/event-stream"
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "no-cache"],
            body: ResponseBody { [simulator] writer in
                // A failed write (client gone) or a cancelled sleep ends the stream at once.
                await simulator.streamOpened()
                do {
                    for index in script.payloads.indices {
                        if index > 0 && delay > .zero { try await Task.sleep(for: delay) }
                        try await writer.write(ByteBuffer(string: script.frame(at: index)))
                        if index == firstTextIndex { await simulator.firstTextWritten(at: Date()) }
                    }
                    try await writer.finish(nil)
                } catch {
                    await simulator.streamEnded(completed: false)
                    throw error
                }
                await simulator.streamEnded(completed: true)
            })
    }

    /// Applies `status` and `delay` faults, then checks the bearer token.
    private func prepare(_ request: Request, endpoint: SimulatorEndpoint) async throws -> FaultSet {
        let faults = await simulator.takeFaults(for: endpoint)
        if let status = faults[.status] { throw GraphError.fault(status) }
        if let delay = faults[.delay] { try await Task.sleep(for: .milliseconds(max(0, delay.delayMs ?? 1000))) }
        try await authenticate(request)
        return faults
    }

    private func authenticate(_ request: Request) async throws(GraphError) {
        guard let header = request.headers[.authorization] else {
            throw .unauthenticated("Access token is empty.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        let isBearer = parts.count == 2 && parts[0].lowercased() == "bearer"
        let token = isBearer ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        guard !token.isEmpty else { throw .unauthenticated("Access token is empty.") }
        if options.checkTokens {
            switch await simulator.checkAccessToken(token, now: Date()) {
            case .valid: return
            case .expired: throw .unauthenticated("Access token has expired or is not yet valid.")
            case .unknown: throw .unauthenticated("Invalid token.")
            }
        }
        if let accepted = options.acceptedToken, token != accepted {
            throw .unauthenticated("Access token validation failure. Invalid audience.")
        }
    }

    private func chatRequest(_ request: Request, context: BasicRequestContext) async throws -> ChatRequest {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let body = SimulatorJSON.parse(Data(buffer.readableBytesView))
        guard body != nil else { throw GraphError.badRequest("The request body is not valid JSON.") }
        return try ChatRequest(body: body, maxMessageLength: options.maxMessageLength, deltaStreaming: options.deltaStreaming)
    }
}
