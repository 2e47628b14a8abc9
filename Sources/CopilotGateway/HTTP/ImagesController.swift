import HTTPTypes
import Hummingbird

/// `POST /v1/images/generations`: the Microsoft 365 Copilot Chat API makes no images, so this
/// answers with an OpenAI error that says so and points at what works instead.
struct ImagesController: APIRoutes {
    static let errorShape: ErrorShape? = .openAI

    static let unsupported = OpenAIError(
        status: .badRequest,
        message: "Image generation is not available through the Microsoft 365 Copilot Chat API. "
            + "Ask for the picture in a chat completion instead: Copilot answers with a detailed description "
            + "and a ready-to-use prompt for an image generator.",
        type: "invalid_request_error", param: nil, code: "image_generation_unsupported")

    func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
        group.post("/v1/images/generations", use: handle)
        group.post("/images/generations", use: handle)
    }

    @Sendable func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        Self.unsupported.response()
    }
}
