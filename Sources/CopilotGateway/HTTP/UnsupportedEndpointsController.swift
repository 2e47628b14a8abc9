import HTTPTypes
import Hummingbird

/// OpenAI's endpoints the Microsoft 365 Copilot Chat API cannot serve (images, embeddings, audio,
/// moderations, legacy completions): each answers a 400 in OpenAI's shape that says so and what works
/// instead, never a 404 that reads like a wrong base URL.
struct UnsupportedEndpointsController: APIRoutes {
    static let errorShape: ErrorShape? = .openAI

    /// An endpoint (its path under `/v1`) and why Copilot cannot serve it.
    struct Endpoint: Sendable {
        var path: String
        var message: String
        var code: String
    }

    static let endpoints: [Endpoint] = [
        Endpoint(
            path: "images/generations",
            message: "Image generation is not available through the Microsoft 365 Copilot Chat API. "
                + "Ask for the picture in a chat completion instead: Copilot answers with a detailed description "
                + "and a ready-to-use prompt for an image generator.",
            code: "image_generation_unsupported"),
        Endpoint(
            path: "embeddings",
            message: "Embeddings are not available through the Microsoft 365 Copilot Chat API, which answers chat turns only. "
                + "Use an embedding model of your own (any OpenAI-compatible embedding server) beside this gateway.",
            code: "embeddings_unsupported"),
        Endpoint(
            path: "completions",
            message: "Legacy text completions are not available through the Microsoft 365 Copilot Chat API. "
                + "Send the prompt as a user message to POST /v1/chat/completions instead.",
            code: "completions_unsupported"),
        Endpoint(
            path: "moderations",
            message: "Moderation is not available through the Microsoft 365 Copilot Chat API; Copilot applies its own content policies to every turn.",
            code: "moderations_unsupported"),
    ] + ["audio/speech", "audio/transcriptions", "audio/translations"].map { path in
        Endpoint(
            path: path,
            message: "Audio (speech, transcription, translation) is not available through the Microsoft 365 Copilot Chat API, which reads and writes text only.",
            code: "audio_unsupported")
    }

    func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
        for endpoint in Self.endpoints {
            let error = OpenAIError(status: .badRequest, message: endpoint.message, type: "invalid_request_error", param: nil, code: endpoint.code)
            for prefix in ["/v1/", "/"] {
                group.post(RouterPath(prefix + endpoint.path)) { _, _ in error.response() }
            }
        }
    }
}
