import ArgumentParser
import AsyncHTTPClient
import CopilotGateway
import Foundation
import NIOCore

/// `--env-file`, for every command that reads the settings.
struct SettingsOptions: ParsableArguments {
    @Option(name: .customLong("env-file"), help: "The .env file to read (default: .env, if present).")
    var envFile: String?

    /// The settings, or an exit with a message that names every invalid one. The file named by
    /// `--env-file` must exist; without it, `.env` is read if present.
    func load(overrides: [String: String] = [:]) throws -> (GatewayConfiguration, DotEnvFile) {
        let path = envFile ?? ".env"
        if let envFile, !FileManager.default.fileExists(atPath: envFile) {
            printError("Cannot read \(envFile): there is no such file (--env-file).")
            throw ExitCode(78)  // EX_CONFIG
        }
        let dotEnv: DotEnvFile
        do {
            dotEnv = try DotEnvFile.load(path: path)
        } catch {
            printError("Cannot read \(path): \(error.localizedDescription)")
            throw ExitCode(78)  // EX_CONFIG
        }
        do {
            return (try GatewayConfiguration(reader: .gateway(overrides: overrides, dotEnv: dotEnv)), dotEnv)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
    }
}

extension HTTPClient {
    /// The one HTTP client of a command, to Microsoft Graph and sign-in (or the simulator).
    ///
    /// The read timeout bounds a silence in a started stream from Copilot (COPILOT_STREAM_IDLE_SECONDS).
    /// Over HTTP/1.1 (a simulator, a proxy) each turn in flight holds a connection: the pool allows one
    /// per turn that may talk to Copilot (COPILOT_MAX_CONCURRENT), so they never queue in the pool too.
    /// Graph itself speaks HTTP/2, where one connection carries them all.
    static func gateway(_ configuration: GatewayConfiguration) -> HTTPClient {
        var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: TimeAmount(configuration.streamIdleTimeout)))
        clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, configuration.maxConcurrentTurns + 4)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }
}
