import ArgumentParser

/// `copilot-gateway`: Microsoft 365 Copilot behind the OpenAI API.
@main
struct CopilotGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copilot-gateway",
        abstract: "Microsoft 365 Copilot Chat behind an OpenAI-compatible API (POST /v1/chat/completions).",
        subcommands: [Serve.self, Login.self, Logout.self, Status.self, DoctorCommand.self, Simulate.self],
        defaultSubcommand: Serve.self
    )
}
