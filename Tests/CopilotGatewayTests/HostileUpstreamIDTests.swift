import AsyncHTTPClient
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import CopilotGateway

/// A broken or hostile upstream's conversation id goes no further than the answer that carried it:
/// an id that is long or not URL-safe is a malformed answer, never the path of the next request (a
/// 70 KB one crashed AsyncHTTPClient when the upstream refused the request while its head was written).
@Suite struct HostileUpstreamIDTests {
    @Test(arguments: [
        String(repeating: "a", count: 70_000), String(repeating: "b", count: 129), "a b", "a/b", "../x", "a?b", "中文", "a%2F",
    ])
    func anIDThatIsLongOrNotURLSafeIsAMalformedAnswerAndIsNeverSent(_ id: String) async throws {
        let paths = Mutex<[String]>([])
        let router = Router()
        router.post("/beta/copilot/conversations") { _, _ -> Response in
            paths.withLock { $0.append("create") }
            let body = try ByteBuffer(json: .object(["id": .string(id), "state": .string("active"), "turnCount": .number(0)]))
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        router.post("/beta/copilot/conversations/**") { request, _ -> Response in
            paths.withLock { $0.append(request.uri.path) }
            return Response(status: .badRequest)
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { upstream in
            let port = try #require(upstream.port)
            // A read timeout, as the gateway sets one: the crash needed it.
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(2), read: .seconds(5))))
            let graph = GraphClient(
                httpClient: httpClient, baseURL: "http://127.0.0.1:\(port)", tokens: StaticAccessTokenProvider(token: "t"), timeout: .seconds(10),
                logger: Logger(label: "test"))
            await #expect(throws: UpstreamError.self) { _ = try await graph.createConversation() }
            do {
                _ = try await graph.createConversation()
            } catch let error as UpstreamError {
                guard case .malformedResponse(let description) = error else { throw error }
                #expect(description.contains("1 to 128 letters, digits"))
            }
            try await httpClient.shutdown()
        }
        #expect(paths.withLock { $0 } == ["create", "create"], "no request ever carried the id")
    }

    @Test(arguments: ["0d110e7e-2b7e-4270-a899-fd2af6fde333", "ABC_def.~-09", String(repeating: "x", count: 128)])
    func aGUIDOrAnyShortURLSafeIDIsAccepted(_ id: String) {
        #expect(GraphClient.isConversationID(id))
    }
}
