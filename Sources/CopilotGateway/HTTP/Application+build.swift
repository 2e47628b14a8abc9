import Hummingbird
import Logging

import Foundation

/// Builds the gateway's HTTP application from its configuration, its Graph client, the signed-in
/// account (nil with a static token or the simulator) and where conversations are kept.
public func buildApplication(
    configuration: GatewayConfiguration,
    graph: GraphClient,
    account: MicrosoftAccount? = nil,
    conversations store: any ConversationStore,
    logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let directory = try await ConversationDirectory(
        store: store, ttl: configuration.sessionTTL, capacity: configuration.maxConversations, logger: logger)
    let chat = ChatService(graph: graph, settings: .init(configuration), directory: directory, logger: logger)
    let router = buildRouter(chat: chat, account: account, modelNames: configuration.modelNames)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "copilot-gateway"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// The gateway's routes: chat completions, models, health and sign-in, behind the OpenAI error middleware.
public func buildRouter(chat: ChatService, account: MicrosoftAccount? = nil, modelNames: [String]) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: OpenAIErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))
    ChatCompletionsController(chat: chat).addRoutes(to: router)
    LoginController(account: account).addRoutes(to: router)
    ImagesController().addRoutes(to: router)

    let startedAt = Int(Date().timeIntervalSince1970)
    let models = ModelList(data: modelNames.map { .init(id: $0, created: startedAt) })
    router.get("/v1/models") { _, _ in ChatCompletionsController.json(models) }
    router.get("/models") { _, _ in ChatCompletionsController.json(models) }
    router.get("/health") { _, _ in
        ChatCompletionsController.json(Health(ok: true, time: Int(Date().timeIntervalSince1970)))
    }
    return router
}

/// `GET /health`, as the original gateway answered it.
struct Health: Encodable {
    var ok: Bool
    var time: Int
}
