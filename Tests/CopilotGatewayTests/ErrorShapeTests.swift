import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

@testable import CopilotGateway

/// `ErrorShape` words every error once, in its dialect: an edge error with its connection rule, and a
/// dialect's own error met on another dialect's route with its words kept.
@Suite struct ErrorShapeTests {
    let request = Request(head: .init(method: .post, scheme: "http", authority: "localhost", path: "/v1/messages"), body: .init(buffer: .init()))
    let logger = Logger(label: "test")

    func body(_ response: Response) async throws -> [String: Any] {
        let collected = Collected()
        try await response.body.write(CollectingWriter(collected: collected))
        let bytes = collected.buffer.withLock { Data($0.readableBytesView) }
        return try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
    }

    @Test func anOpenAIErrorOnAnAnthropicRouteKeepsItsMessageStatusAndConnectionRule() async throws {
        var error = OpenAIError.invalidRequest("`n` must be 1.", param: "n")
        error.closesConnection = true
        let response = ErrorShape.anthropic.response(to: error, request: request, requestID: "req_test", logger: logger)
        #expect(response.status == .badRequest && response.headers[.connection] == "close")
        let detail = try #require(try await body(response)["error"] as? [String: Any])
        #expect(detail["type"] as? String == "invalid_request_error" && detail["message"] as? String == "`n` must be 1.")
    }

    @Test func anAnthropicErrorOnAnOpenAIRouteKeepsItsMessageAndStatus() async throws {
        let response = ErrorShape.openAI.response(to: AnthropicError(status: .init(code: 529), message: "busy"), request: request, requestID: "req_test", logger: logger)
        #expect(response.status.code == 529 && response.headers[.connection] == nil)
        let detail = try #require(try await body(response)["error"] as? [String: Any])
        #expect(detail["type"] as? String == "api_error" && detail["message"] as? String == "busy")
    }

    @Test func anEdgeErrorThatLeftTheBodyUnreadClosesTheConnectionInEitherShape() async throws {
        for shape in [ErrorShape.openAI, .anthropic] {
            let timedOut = shape.response(to: EdgeError.bodyTimedOut(seconds: 30), request: request, requestID: "req_test", logger: logger)
            #expect(timedOut.status == .requestTimeout && timedOut.headers[.connection] == "close")
            let drained = shape.response(to: EdgeError.bodyTooLarge(limit: 1 << 20, drained: true), request: request, requestID: "req_test", logger: logger)
            #expect(drained.status == .contentTooLarge && drained.headers[.connection] == nil)
        }
    }
}

/// What a `CollectingWriter` was given.
final class Collected: Sendable {
    let buffer = Mutex(ByteBuffer())
}

/// A response body writer that keeps what is written.
struct CollectingWriter: ResponseBodyWriter {
    let collected: Collected
    mutating func write(_ buffer: ByteBuffer) async throws {
        _ = collected.buffer.withLock { $0.writeImmutableBuffer(buffer) }
    }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
