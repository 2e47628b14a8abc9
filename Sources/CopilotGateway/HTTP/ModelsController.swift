import HTTPTypes
import Hummingbird

import Foundation

/// `GET /v1/models`: OpenAI's list, or Anthropic's when the request carries `anthropic-version`.
struct ModelsController: Sendable {
    let names: [String]
    let startedAt: Date

    func addRoutes(to router: some RouterMethods<GatewayRequestContext>) {
        router.get("/v1/models", use: list)
        router.get("/models", use: list)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) throws -> Response {
        if request.headers[HTTPField.Name("anthropic-version")!] != nil {
            let models = names.map { AnthropicModelList.Model(id: $0, displayName: $0, createdAt: startedAt.formatted(.iso8601)) }
            return try AnthropicModelList(data: models, firstID: names.first, lastID: names.last).response(from: request, context: context)
        }
        let created = Int(startedAt.timeIntervalSince1970)
        return try ModelList(data: names.map { .init(id: $0, created: created) }).response(from: request, context: context)
    }
}

/// `GET /v1/models` as Anthropic answers it.
struct AnthropicModelList: ResponseEncodable {
    var data: [Model]
    var hasMore = false
    var firstID: String?
    var lastID: String?

    enum CodingKeys: String, CodingKey {
        case data, hasMore = "has_more", firstID = "first_id", lastID = "last_id"
    }

    struct Model: Encodable {
        var type = "model"
        var id: String
        var displayName: String
        var createdAt: String
        enum CodingKeys: String, CodingKey { case type, id, displayName = "display_name", createdAt = "created_at" }
    }
}
