import ArgumentParser
import AsyncHTTPClient
import Hummingbird
import NIOCore
import NIOPosix

/// `stack-floor`: the benchmark's floor under the gateway (bench/run.sh). It serves
/// `POST /v1/chat/completions` on the gateway's libraries, set up as the gateway sets them up (Swift
/// concurrency on NIO's event loops, AsyncHTTPClient on the same loops with the same connection
/// limit), and does only the upstream I/O of a turn (`GraphRelay`). No gateway can do that work for
/// less on these libraries, so a target below its cost cannot be met by tuning the gateway's own code.
@main
struct StackFloor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack-floor",
        abstract: "A chat-completions relay with no gateway logic: the cost floor of the gateway's libraries (bench/run.sh)."
    )

    @Option(help: "The port to listen on (127.0.0.1).")
    var port: Int

    @Option(help: "Graph's base URL (the simulator, or the benchmark's static upstream).")
    var graphBaseURL: String

    static func main() async {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }

    func run() async throws {
        var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(120)))
        // The gateway's limit under bench/run.sh (COPILOT_MAX_CONCURRENT=100000, plus 4).
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 100_004
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        do {
            var relay = GraphRelay(client: client, baseURL: graphBaseURL)
            relay.standing = try await relay.createConversation()
            let router = Router()
            router.post("/v1/chat/completions") { [relay] request, _ in try await relay.answer(request) }
            let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
            try await application.runService()
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
