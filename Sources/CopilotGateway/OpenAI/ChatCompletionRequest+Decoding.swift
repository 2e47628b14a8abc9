import NIOCore

extension ChatCompletionRequest {
    /// Decodes the body (on NIO's thread pool when it is large), or answers 400 naming the field that is wrong.
    static func decodeOffloaded(_ body: ByteBuffer) async throws -> ChatCompletionRequest {
        do {
            return try await JSONBody.decodeOffloaded(ChatCompletionRequest.self, from: body, what: "a valid chat completion request")
        } catch let problem as JSONBody.Problem {
            throw OpenAIError.invalidRequest(problem.message, param: problem.param)
        }
    }

    /// Decodes the body, or answers 400 naming the field that is wrong.
    static func decode(_ body: ByteBuffer) throws(OpenAIError) -> ChatCompletionRequest {
        do {
            return try JSONBody.decode(ChatCompletionRequest.self, from: body, what: "a valid chat completion request")
        } catch {
            throw .invalidRequest(error.message, param: error.param)
        }
    }
}

extension MessageContent: DescribedInErrors {
    static var errorDescription: String { "a string or an array of content parts" }
}
