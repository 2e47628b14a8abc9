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
    let router = buildRouter(
        chat: chat, account: account, modelNames: configuration.modelNames, apiKeys: APIKeys(configuration.apiKeys),
        adminKey: configuration.adminKey.map { APIKeys([$0]) }, keepAliveInterval: configuration.keepAliveInterval)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "copilot-gateway"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// The gateway's routes behind the OpenAI error middleware: the OpenAI API (behind the API keys when
/// there are any), health, and sign-in (for the machine itself, or with the admin key).
public func buildRouter(
    chat: ChatService, account: MicrosoftAccount? = nil, modelNames: [String], apiKeys: APIKeys = APIKeys([]), adminKey: APIKeys? = nil,
    keepAliveInterval: Duration = .seconds(15)
) -> Router<GatewayRequestContext> {
    let router = Router(context: GatewayRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: OpenAIErrorMiddleware())
    router.add(middleware: LogRequestsMiddleware(.debug))

    let api = router.group().add(middleware: APIKeyMiddleware(keys: apiKeys))
    ChatCompletionsController(chat: chat, keepAliveInterval: keepAliveInterval).addRoutes(to: api)
    ImagesController().addRoutes(to: api)
    let startedAt = Int(Date().timeIntervalSince1970)
    let models = ModelList(data: modelNames.map { .init(id: $0, created: startedAt) })
    api.get("/v1/models") { _, _ in ChatCompletionsController.json(models) }
    api.get("/models") { _, _ in ChatCompletionsController.json(models) }

    LoginController(account: account, adminKey: adminKey).addRoutes(to: router)
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
