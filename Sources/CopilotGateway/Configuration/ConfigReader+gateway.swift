import Configuration

import Foundation

extension ConfigReader {
    /// The gateway's reader: command-line overrides first, then the process environment, then `.env`.
    public static func gateway(
        overrides: [String: String] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        dotEnv: DotEnvFile = DotEnvFile(contents: "")
    ) -> ConfigReader {
        let secrets: SecretsSpecifier<String, String> = .specific(GatewayConfiguration.secretNames)
        return ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: overrides, secretsSpecifier: secrets),
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: secrets),
            EnvironmentVariablesProvider(environmentVariables: dotEnv.values, secretsSpecifier: secrets),
        ])
    }
}

extension DotEnvFile {
    /// Names in this file that the gateway does not know, most likely typos.
    public var unknownSettingNames: [String] {
        values.keys.filter { !GatewayConfiguration.settingNames.contains($0) }.sorted()
    }
}
