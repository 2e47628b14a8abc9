import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct LiveServerTests {
    private actor PortBox {
        var port: Int?
        func set(_ port: Int) { self.port = port }
    }

    @Test func applicationReportsItsBoundPortAndStreamsOverRealSockets() async throws {
        let simulator = CopilotSimulator(options: SimulatorOptions(snapshotCount: 4, eventDelay: .milliseconds(2)))
        let box = PortBox()
        let app = buildSimulatorApplication(
            simulator: simulator, host: "127.0.0.1", port: 0, logger: Logger(label: "simulator-test"),
            onServerRunning: { await box.set($0) })
        try await app.test(.live) { client in
            #expect(await box.port != nil)
            #expect(await box.port != 0)
            #expect(await box.port == client.port)
            let id = try await client.createConversation()
            let response = try await client.stream(id, chatBody("Hello over the wire"))
            let events = parseSSE(response.text)
            #expect(events.count == 8)
            #expect(events.last?.json?["turnCount"] == 1)
        }
    }
}
