import Foundation
import NIOCore
import NIOPosix

/// A request body decoded as JSON, or what is wrong with it in words a client can act on: too deep,
/// not UTF-8, not JSON, or a field of the wrong type or missing (named by its path). Every API
/// dialect decodes its bodies through this and words the `Problem` in its own error shape.
enum JSONBody {
    /// What is wrong, and the field at fault.
    struct Problem: Error, Equatable {
        var message: String
        var param: String?
    }

    /// Bodies larger than this are decoded on the thread pool, away from the event loops that serve
    /// every other connection.
    static let offloadedDecodeSize = 64 << 10

    /// `decode`, on NIO's thread pool for a large body.
    static func decodeOffloaded<Value: Decodable & Sendable>(_ type: Value.Type, from body: ByteBuffer, what: String) async throws -> Value {
        guard body.readableBytes > offloadedDecodeSize else { return try decode(type, from: body, what: what) }
        return try await NIOThreadPool.singleton.runIfActive { try decode(type, from: body, what: what) }
    }

    /// Decodes the body as `what` ("a chat completion request"), or says what is wrong and where.
    static func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer, what: String) throws(Problem) -> Value {
        if let excess = JSONNesting.excess(in: body.readableBytesView) {
            throw Problem(
                message: "The request body nests JSON objects and arrays more than \(JSONNesting.limit) levels deep\(excess.member.map { " (in `\($0)`)" } ?? ""); no tool or response schema needs that many.",
                param: excess.member)
        }
        let tree: JSONValue
        do {
            tree = try JSONValue(parsing: body, limits: .requestBody)
        } catch {
            throw Problem(unreadable: error, body: body)
        }
        do {
            return try JSONValueDecoder.decode(type, from: tree)
        } catch let error as DecodingError {
            throw Problem(message: describe(error, what: what), param: param(of: error))
        } catch {
            throw Problem(message: "The request body could not be read: \(error).")
        }
    }

    static func describe(_ error: DecodingError, what: String) -> String {
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
            return "The request body is not \(what)."
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
        case let described as any DescribedInErrors.Type: return described.errorDescription
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            return "an object"
        }
    }
}

/// A type whose name in a decoding error is not "an object" or "an array".
protocol DescribedInErrors {
    /// What a value of the type must be ("a string or an array of content parts").
    static var errorDescription: String { get }
}

extension JSONBody.Problem {
    init(message: String) {
        self.init(message: message, param: nil)
    }

    /// Why `body` is not a JSON document within a request's limits.
    init(unreadable failure: JSONParseFailure, body: ByteBuffer) {
        switch failure {
        case .tooManyValues(let limit):
            self.init(message: "The request body holds more than \(limit) JSON values; no request to this gateway needs that many.")
        case .tooDeep(let limit):
            self.init(message: "The request body nests JSON objects and arrays more than \(limit) levels deep; no tool or response schema needs that many.")
        case .invalid:
            self.init(message: BodyEncodingProblem.find(in: body.readableBytesView)?.message ?? "The request body is not valid JSON.")
        }
    }
}
