import ArgumentParser
import AsyncHTTPClient
import CopilotGateway
import Logging

/// `copilot-gateway doctor`: checks the settings, the token cache, the clock, the time zone and
/// that Copilot answers, and says what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the settings, the sign-in, the clock, the time zone and that Copilot answers.",
        discussion: """
            Run it as the user the gateway runs as, with the same settings (under systemd: \
            sudo -u copilot-gateway copilot-gateway doctor --env-file /etc/copilot-gateway/copilot-gateway.env). \
            It refreshes the access token if one is due and starts one empty Copilot conversation. \
            Exit status: 0 when no problem was found, 1 otherwise, 78 when the settings are invalid.
            """
    )

    @OptionGroup var settings: SettingsOptions

    @Option(help: "Check only this account (default: every account).")
    var account: String?

    func run() async throws {
        let (configuration, dotEnv) = try settings.load()
        var logger = Logger(label: "copilot-gateway")
        logger.logLevel = .critical
        let httpClient = HTTPClient.gateway(configuration)
        var profiles = configuration.accessToken != nil ? [] : configuration.accountProfiles()
        if let account {
            profiles = profiles.filter { $0.name == account }
            if profiles.isEmpty {
                try await httpClient.shutdown()
                printError("There is no account \(account). Sign it in with `copilot-gateway login --account \(account)`.")
                throw ExitCode(1)
            }
        }
        let accounts = profiles.map { profile in
            (profile, MicrosoftAccount(profile: profile, configuration: configuration, httpClient: httpClient, logger: logger, signsInWhenNeeded: false))
        }
        let doctor = Doctor(configuration: configuration, httpClient: httpClient, accounts: accounts, unknownSettings: dotEnv.unknownSettingNames)
        let findings = await doctor.run()
        try await httpClient.shutdown()
        let (text, healthy) = Doctor.report(findings)
        print(text)
        if !healthy { throw ExitCode(1) }
    }
}
