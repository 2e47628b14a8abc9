import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import CopilotGateway

@Suite struct RequestIDTests {
    /// A route behind the middleware that logs one line.
    func app(_ logs: LogCapture) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.get("/") { _, context in
            context.logger.info("handled")
            return "ok"
        }
        return Application(router: router, logger: logs.logger("gateway"))
    }

    @Test func everyLogLineNamesTheRequestOnceWithTheIdTheClientGets() async throws {
        let logs = LogCapture()
        try await app(logs).test(.router) { client in
            let offered = try await client.execute(uri: "/", method: .get, headers: [RequestIDMiddleware<BasicRequestContext>.header: "bot-123"])
            #expect(offered.headers[RequestIDMiddleware<BasicRequestContext>.header] == "bot-123")
            let own = try await client.execute(uri: "/", method: .get)
            let ownID = try #require(own.headers[RequestIDMiddleware<BasicRequestContext>.header])
            let lines = logs.text.split(separator: "\n").filter { $0.contains("handled") }
            #expect(lines.count == 2)
            #expect(lines.first?.contains("\"hb.request.id\": bot-123") == true)
            #expect(lines.last?.contains("\"hb.request.id\": \(ownID)") == true)
            #expect(lines.allSatisfy { !$0.contains("\"request.id\"") }, "the id is not logged a second time under another key")
        }
    }
}
