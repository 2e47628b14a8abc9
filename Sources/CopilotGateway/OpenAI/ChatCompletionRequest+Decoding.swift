import Foundation
import NIOCore
import NIOPosix

extension ChatCompletionRequest {
    // MARK: Decoding a body, with the wording of its errors

    /// Bodies larger than this are decoded on the thread pool, away from the event loops that serve
    /// every other connection.
    static let offloadedDecodeSize = 64 << 10

    /// `decode`, on NIO's thread pool for a large body.
    static func decodeOffloaded(_ body: ByteBuffer) async throws -> ChatCompletionRequest {
        guard body.readableBytes > offloadedDecodeSize else { return try decode(body) }
        return try await NIOThreadPool.singleton.runIfActive { try decode(body) }
    }

    /// Decodes the body, or answers 400 naming the field that is wrong.
    static func decode(_ body: ByteBuffer) throws(OpenAIError) -> ChatCompletionRequest {
        if let excess = JSONNesting.excess(in: body.readableBytesView) {
            throw .invalidRequest(
                "The request body nests JSON objects and arrays more than \(JSONNesting.limit) levels deep\(excess.member.map { " (in `\($0)`)" } ?? ""); no tool or response schema needs that many.",
                param: excess.member)
        }
        do {
            return try JSONDecoder().decode(ChatCompletionRequest.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            if let problem = BodyEncodingProblem.find(in: body.readableBytesView) {
                throw .invalidRequest(problem.message)
            }
            throw .invalidRequest(describe(error), param: param(of: error))
        } catch {
            throw .invalidRequest("The request body could not be read: \(error).")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "Missing required field `\(path(context.codingPath + [key]))`."
        case .typeMismatch(let type, let context):
            return "Invalid type for `\(path(context.codingPath))`: expected \(typeName(type))."
        case .valueNotFound(let type, let context):
            return "`\(path(context.codingPath))` must not be null: expected \(typeName(type))."
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "The request body is not valid JSON." }
            return "Invalid value for `\(path(context.codingPath))`: \(context.debugDescription)."
        @unknown default:
            return "The request body is not a valid chat completion request."
        }
    }

    static func param(of error: DecodingError) -> String? {
        switch error {
        case .keyNotFound(let key, let context): return path(context.codingPath + [key])
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.codingPath.isEmpty ? nil : path(context.codingPath)
        @unknown default: return nil
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Double.Type: return "a number"
        case is MessageContent.Type: return "a string or an array of content parts"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            return "an object"
        }
    }
}
