import ArgumentParser
import CopilotGateway
import NIOCore
import NIOPosix

/// `copilot-gateway`: Microsoft 365 Copilot behind the OpenAI API.
@main
struct CopilotGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copilot-gateway",
        abstract: "Microsoft 365 Copilot Chat behind an OpenAI-compatible API (POST /v1/chat/completions).",
        version: BuildInfo.summary,
        subcommands: [Serve.self, Login.self, Logout.self, Status.self, DoctorCommand.self, Simulate.self],
        defaultSubcommand: Serve.self
    )

    /// Swift concurrency runs on NIO's event loops, so a request does not hop between NIO's threads
    /// and the concurrency pool at every step (the largest cost left per request, at low load).
    static func main() async {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }
}
