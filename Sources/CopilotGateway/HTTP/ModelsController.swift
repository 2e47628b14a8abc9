import HTTPTypes
import Hummingbird

import Foundation

/// `GET /v1/models`: OpenAI's list, or Anthropic's when the request carries `anthropic-version`.
struct ModelsController: APIRoutes {
    /// Shared by the dialects: errors take the request's shape.
    static let errorShape: ErrorShape? = nil

    let names: [String]
    let startedAt: Date

    func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
        group.get("/v1/models", use: list)
        group.get("/models", use: list)
        group.get("/v1/models/{id}", use: model)
        group.get("/models/{id}", use: model)
    }

    /// `GET /v1/models/{id}`: one model, in the shape of the API the request speaks.
    @Sendable func model(_ request: Request, context: GatewayRequestContext) throws -> Response {
        let id = try context.parameters.require("id")
        guard names.contains(id) else { throw EdgeError.modelNotFound(id) }
        if request.headers[.anthropicVersion] != nil {
            return try anthropicModel(id).response(from: request, context: context)
        }
        return try ModelList.Model(id: id, created: Int(startedAt.timeIntervalSince1970)).response(from: request, context: context)
    }

    func anthropicModel(_ id: String) -> AnthropicModelList.Model {
        AnthropicModelList.Model(id: id, displayName: id, createdAt: startedAt.formatted(.iso8601))
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) throws -> Response {
        if request.headers[.anthropicVersion] != nil {
            let models = names.map(anthropicModel)
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

    /// Anthropic's `ModelInfo`; Copilot has no published token limits or capabilities, so those are null.
    struct Model: ResponseEncodable {
        var type = "model"
        var id: String
        var displayName: String
        var createdAt: String
        var lifecycle = "active"

        enum CodingKeys: String, CodingKey {
            case type, id, lifecycle, displayName = "display_name", createdAt = "created_at"
            case maxInputTokens = "max_input_tokens", maxTokens = "max_tokens", capabilities
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encode(id, forKey: .id)
            try container.encode(displayName, forKey: .displayName)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(lifecycle, forKey: .lifecycle)
            try container.encodeNil(forKey: .maxInputTokens)
            try container.encodeNil(forKey: .maxTokens)
            try container.encodeNil(forKey: .capabilities)
        }
    }
}
