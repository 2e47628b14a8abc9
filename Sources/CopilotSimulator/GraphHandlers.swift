import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Handlers for the Graph-shaped endpoints: Graph's under `/beta/copilot/conversations`, or Work IQ's
/// under `/rest[/beta]/conversations` (`api`), which differ in the token's resource and in how a reply
/// cites its sources.
struct GraphHandlers: Sendable {
    let simulator: CopilotSimulator
    var api = SimulatedAPI.graph

    private var options: SimulatorOptions { simulator.options }

    @Sendable func create(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (_, requester) = try await prepare(request, endpoint: .create)
        let conversation = await simulator.createConversation(now: Date(), owner: requester)
        return jsonResponse(status: 201, GraphPayloads.created(conversation))
    }

    @Sendable func chat(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (faults, requester) = try await prepare(request, endpoint: .chat)
        let chat = try await chatRequest(request, context: context)
        let turn = api.citing(try await simulator.runTurn(
            conversationID: try context.parameters.require("id"), request: chat, faults: faults, streamed: false,
            commit: true, now: Date(), requester: requester))
        return jsonResponse(
            status: 200,
            GraphPayloads.finalSnapshot(turn, context: GraphPayloads.chatContext, replyCards: [.object([])]))
    }

    @Sendable func chatOverStream(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (faults, requester) = try await prepare(request, endpoint: .stream)
        let chat = try await chatRequest(request, context: context)
        let turn = api.citing(try await simulator.runTurn(
            conversationID: try context.parameters.require("id"), request: chat, faults: faults, streamed: true,
            commit: !faults.contains(.inbandError), now: Date(), requester: requester))
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

    /// Applies the `status` and `delay` faults meant for the token's user, then checks the bearer token;
    /// returns the faults and that user.
    private func prepare(_ request: Request, endpoint: SimulatorEndpoint) async throws -> (FaultSet, String?) {
        let requester = await simulator.user(ofAuthorization: request.headers[.authorization])
        let faults = await simulator.takeFaults(for: endpoint, requester: requester)
        if let status = faults[.status] { throw GraphError.fault(status) }
        if let delay = faults[.delay] { try await Task.sleep(for: .milliseconds(max(0, delay.delayMs ?? 1000))) }
        try await authenticate(request)
        return (faults, requester)
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
            switch await simulator.checkAccessToken(token, resource: api.resource, now: Date()) {
            case .valid: return
            case .expired: throw .unauthenticated("Access token has expired or is not yet valid.")
            case .unknown: throw .unauthenticated("Invalid token.")
            case .wrongAudience: throw .unauthenticated("Access token validation failure. Invalid audience.")
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
