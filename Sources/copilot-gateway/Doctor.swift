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

    func run() async throws {
        let (configuration, dotEnv) = try settings.load()
        var logger = Logger(label: "copilot-gateway")
        logger.logLevel = .critical
        let httpClient = HTTPClient.gateway(configuration)
        let account = configuration.clientID.isEmpty || configuration.accessToken != nil
            ? nil : MicrosoftAccount(configuration: configuration, httpClient: httpClient, logger: logger, signsInWhenNeeded: false)
        let doctor = Doctor(configuration: configuration, httpClient: httpClient, account: account, unknownSettings: dotEnv.unknownSettingNames)
        let findings = await doctor.run()
        try await httpClient.shutdown()
        let (text, healthy) = Doctor.report(findings)
        print(text)
        if !healthy { throw ExitCode(1) }
    }
}
