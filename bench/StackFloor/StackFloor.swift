import ArgumentParser
import AsyncHTTPClient
import Hummingbird
import NIOCore
import NIOPosix

/// `stack-floor`: the benchmark's floor under the gateway (bench/run.sh). It serves
/// `POST /v1/chat/completions` on the gateway's libraries, set up as the gateway sets them up (Swift
/// concurrency on NIO's event loops, AsyncHTTPClient on the same loops with the same connection
/// limit, Hummingbird's HTTP/1 server with an idle timeout), and does only the upstream I/O of a turn
/// (`GraphRelay`). A gateway that makes the same calls and writes as it reads cannot do that for less
/// on these libraries, so a target below its cost cannot be met by tuning the gateway's own code.
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
            let relay = try await GraphRelay.start(client: client, baseURL: graphBaseURL)
            let router = Router()
            router.post("/v1/chat/completions") { request, _ in try await relay.answer(request) }
            // HTTP/1 with an idle timeout and a server name, as the gateway's server has (its own
            // connection guards are the gateway's work, not the library's).
            let application = Application(
                router: router, server: .http1(configuration: .init(idleTimeout: .seconds(60))),
                configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "stack-floor"))
            try await application.runService()
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
