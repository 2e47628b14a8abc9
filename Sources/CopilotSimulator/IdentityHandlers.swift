import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Handlers for the Microsoft identity platform endpoints `/{tenant}/oauth2/v2.0/devicecode` and
/// `/{tenant}/oauth2/v2.0/token` (public client: device-code and refresh-token grants).
struct IdentityHandlers: Sendable {
    static let deviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"
    static let verificationURI = "https://microsoft.com/devicelogin"

    let simulator: CopilotSimulator

    private var options: SimulatorOptions { simulator.options }

    /// Whether `path` is one of the identity endpoints (`/{tenant}/oauth2/v2.0/devicecode|token`).
    static func isIdentityPath(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return segments.count == 5 && segments[0].isEmpty && !segments[1].isEmpty && segments[2] == "oauth2"
            && segments[3] == "v2.0" && (segments[4] == "devicecode" || segments[4] == "token")
    }

    @Sendable func deviceCode(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let tenant = try context.parameters.require("tenant")
        let form = try await formBody(request, context: context)
        try await applyTransportFaults(await simulator.takeFaults(for: .devicecode))
        let clientID = try Self.clientID(form)
        guard let scope = form.nonEmpty("scope") else { throw EntraError.missingParameter("scope") }
        let now = Date()
        let issued = try await simulator.issueDeviceCode(clientID: clientID, tenant: tenant, scopeText: scope, now: now)
        let body: SimulatorJSON = .object([
            ("user_code", .string(issued.userCode)),
            ("device_code", .string(issued.deviceCode)),
            ("verification_uri", .string(Self.verificationURI)),
            ("expires_in", .number(Double(options.deviceCodeLifetime.wholeSeconds))),
            ("interval", .number(Double(options.deviceCodeInterval))),
            (
                "message",
                .string(
                    "To sign in, use a web browser to open the page \(Self.verificationURI) and enter the code "
                        + "\(issued.userCode) to authenticate.")
            ),
        ])
        return Self.noStore(jsonResponse(status: 200, body))
    }

    @Sendable func token(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let tenant = try context.parameters.require("tenant")
        let form = try await formBody(request, context: context)
        let grantType = form.nonEmpty("grant_type")
        let target: SimulatorEndpoint =
            switch grantType {
            case Self.deviceCodeGrant: .deviceCodeGrant
            case "refresh_token": .refreshGrant
            default: .otherGrant
            }
        await simulator.noteGrantRequest(grantType)
        let faults = await simulator.takeFaults(for: target)
        try await applyTransportFaults(faults)
        let clientID = try Self.clientID(form)
        let now = Date()
        let grant: TokenGrant
        switch grantType {
        case Self.deviceCodeGrant?:
            // MSAL sends the device code twice, as `device_code` and as `code`.
            guard let deviceCode = form.nonEmpty("device_code") ?? form.nonEmpty("code") else {
                throw EntraError.missingParameter("device_code")
            }
            grant = try await simulator.pollDeviceCode(deviceCode, clientID: clientID, faults: faults, now: now)
        case "refresh_token"?:
            guard let refreshToken = form.nonEmpty("refresh_token") else {
                throw EntraError.missingParameter("refresh_token")
            }
            grant = try await simulator.redeemRefreshToken(
                refreshToken, clientID: clientID, tenant: tenant, scopeText: form["scope"], faults: faults, now: now)
        case let other?:
            throw EntraError.unsupportedGrantType(other)
        case nil:
            throw EntraError.missingParameter("grant_type")
        }
        return Self.noStore(jsonResponse(status: 200, grant.json))
    }

    /// `status` faults answer at once; `delay` faults hold the answer.
    private func applyTransportFaults(_ faults: FaultSet) async throws {
        if let status = faults[.status] { throw EntraError.fault(status) }
        if let delay = faults[.delay] { try await Task.sleep(for: .milliseconds(max(0, delay.delayMs ?? 1000))) }
    }

    private func formBody(_ request: Request, context: BasicRequestContext) async throws -> FormBody {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return FormBody(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    /// The `client_id`, after rejecting client credentials: the simulated app is a public client.
    private static func clientID(_ form: FormBody) throws(EntraError) -> String {
        guard let clientID = form.nonEmpty("client_id") else { throw .missingParameter("client_id") }
        if form["client_secret"] != nil || form["client_assertion"] != nil { throw .publicClientWithSecret }
        return clientID
    }

    private static func noStore(_ response: Response) -> Response {
        var response = response
        response.headers[.cacheControl] = "no-store, no-cache"
        response.headers[.pragma] = "no-cache"
        return response
    }
}
