import Foundation
import NIOCore
import NIOPosix

/// A request body decoded as JSON, or what is wrong with it in words a client can act on: too deep,
/// not UTF-8, not JSON, or a field of the wrong type or missing (named by its path). Every API
/// dialect decodes its bodies through this and words the `Problem` in its own error shape.
enum JSONBody {
    /// What is wrong, and where: the field's path (keys, and array indexes as numbers) and the reason,
    /// which each dialect words in its own way (`message` and `param` are OpenAI's).
    struct Problem: Error, Equatable {
        enum Reason: Equatable {
            /// A required field is absent.
            case missing
            /// The field holds `got` ("a string", "null") where the document wants `expected`.
            case wrongType(expected: String, got: String)
            /// The field's value is not one the document allows; the text says why.
            case invalid(String)
            /// The body as a whole cannot be read; the text says why.
            case unreadable(String)
        }

        var path: [String]
        var reason: Reason
    }

    /// Bodies larger than this are decoded on the thread pool, away from the event loops that serve
    /// every other connection.
    static let offloadedDecodeSize = 64 << 10

    /// `decode`, on NIO's thread pool for a large body.
    static func decodeOffloaded<Value: Decodable & Sendable>(
        _ type: Value.Type, from body: ByteBuffer, what: String, rules: [FieldRule] = []
    ) async throws -> Value {
        guard body.readableBytes > offloadedDecodeSize else { return try decode(type, from: body, what: what, rules: rules) }
        return try await NIOThreadPool.singleton.runIfActive { try decode(type, from: body, what: what, rules: rules) }
    }

    /// Decodes the body as `what` ("a chat completion request"), its fields first checked against
    /// `rules`, or says what is wrong and where.
    static func decode<Value: Decodable>(_ type: Value.Type, from body: ByteBuffer, what: String, rules: [FieldRule] = []) throws(Problem) -> Value {
        if let excess = JSONNesting.excess(in: body.readableBytesView) {
            throw Problem(
                path: excess.member.map { [$0] } ?? [],
                reason: .unreadable(
                    "The request body nests JSON objects and arrays more than \(JSONNesting.limit) levels deep\(excess.member.map { " (in `\($0)`)" } ?? ""); no tool or response schema needs that many."
                ))
        }
        let tree: JSONValue
        do {
            tree = try JSONValue(parsing: body, limits: .requestBody)
        } catch {
            throw Problem(unreadable: error, body: body)
        }
        guard case .object = tree else { throw Problem(message: "The request body is not \(what): expected a JSON object.") }
        if let problem = FieldRule.firstViolation(of: rules, in: tree) { throw problem }
        do {
            return try JSONValueDecoder.decode(type, from: tree)
        } catch let error as DecodingError {
            throw Problem(error, in: tree, what: what)
        } catch {
            throw Problem(message: "The request body could not be read: \(error).")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
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

