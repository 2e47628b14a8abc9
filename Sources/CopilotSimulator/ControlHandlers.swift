import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Handlers for the `/_sim/...` test-control endpoints.
struct ControlHandlers: Sendable {
    let simulator: CopilotSimulator

    @Sendable func listRequests(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try encoded(await simulator.recordedRequests)
    }

    @Sendable func clearRequests(_ request: Request, context: BasicRequestContext) async throws -> Response {
        await simulator.clearRecordedRequests()
        return Response(status: .noContent)
    }

    @Sendable func streamCounts(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try encoded(await simulator.streams)
    }

    @Sendable func listFaults(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try encoded(await simulator.pendingFaults)
    }

    @Sendable func addFault(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let fault: SimulatorFault
        do {
            fault = try JSONDecoder().decode(SimulatorFault.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw GraphError.badRequest("Invalid fault: \(Self.describe(error))")
        }
        await simulator.addFault(fault)
        return try encoded(fault, status: 201)
    }

    @Sendable func clearFaults(_ request: Request, context: BasicRequestContext) async throws -> Response {
        await simulator.clearFaults()
        return Response(status: .noContent)
    }

    @Sendable func conversation(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let conversation = await simulator.conversation(id: id) else {
            throw GraphError.notFound("Conversation '\(id)' was not found.")
        }
        return try encoded(conversation)
    }

    /// `{"userCode":"ABCD2345"}` approves one pending code, as the simulated user or as
    /// `"user":"alice@contoso.com"` (whose tokens it gets); `{"auto":true,"delayMs":200}` approves every
    /// current and future code `delayMs` after issue; `{"auto":false}` stops that.
    @Sendable func approveDeviceCode(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let body = try await jsonObject(request, context: context)
        if let auto = body["auto"] {
            guard let on = auto.boolValue else { throw GraphError.badRequest("'auto' must be true or false.") }
            var delay = simulator.options.autoApproveDelay
            if let delayMs = body["delayMs"], delayMs != .null {
                guard let milliseconds = delayMs.numberValue, milliseconds >= 0, milliseconds < 86_400_000 else {
                    throw GraphError.badRequest("'delayMs' must be a number of milliseconds, 0 or more.")
                }
                delay = .milliseconds(Int(milliseconds))
            }
            await simulator.setAutoApprove(on, delay: delay)
            return try encoded(AutoApproval(auto: on, delayMs: on ? Int(delay.timeInterval * 1000) : nil))
        }
        return try await decide(body, approve: true)
    }

    /// `{"userCode":"ABCD2345"}` declines one pending code.
    @Sendable func declineDeviceCode(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await decide(try await jsonObject(request, context: context), approve: false)
    }

    @Sendable func listDeviceCodes(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try encoded(await simulator.deviceCodes)
    }

    @Sendable func tokenCounters(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try encoded(await simulator.identityCounters)
    }

    @Sendable func expireAccessTokens(_ request: Request, context: BasicRequestContext) async throws -> Response {
        await simulator.expireAccessTokens()
        return Response(status: .noContent)
    }

    @Sendable func revokeRefreshTokens(_ request: Request, context: BasicRequestContext) async throws -> Response {
        await simulator.revokeRefreshTokens()
        return Response(status: .noContent)
    }

    private struct AutoApproval: Encodable {
        var auto: Bool
        var delayMs: Int?
    }

    private func decide(_ body: SimulatorJSON, approve: Bool) async throws -> Response {
        guard let userCode = body["userCode"]?.stringValue, !userCode.isEmpty else {
            throw GraphError.badRequest("Send {\"userCode\":\"…\"}" + (approve ? " or {\"auto\":true}." : "."))
        }
        var user: String?
        if approve, let named = body["user"], named != .null {
            guard let upn = named.stringValue, Self.isUPN(upn) else {
                throw GraphError.badRequest("'user' must be a user principal name such as alice@contoso.com.")
            }
            user = upn
        }
        switch await simulator.decideDeviceCode(userCode: userCode, approve: approve, user: user) {
        case .done(let code):
            return try encoded(code)
        case .notFound:
            throw GraphError.notFound("No device code has the user code '\(userCode)'.")
        case .notPending(let status):
            throw GraphError(
                status: 409, code: "Conflict",
                message: "The device code with user code '\(userCode)' is \(status.rawValue), not pending.")
        }
    }

    /// `name@domain`, at most 113 characters (Entra's limit on a UPN), without spaces or control characters.
    static func isUPN(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return text.count <= 113 && parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }

    private func jsonObject(_ request: Request, context: BasicRequestContext) async throws -> SimulatorJSON {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard let body = SimulatorJSON.parse(Data(buffer.readableBytesView)), case .object = body else {
            throw GraphError.badRequest("The body must be a JSON object.")
        }
        return body
    }

    private func encoded(_ value: some Encodable, status: Int = 200) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            context.codingPath.isEmpty ? "the body is not valid JSON" : context.debugDescription
        case .keyNotFound(let key, _):
            "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        @unknown default:
            "\(error)"
        }
    }
}
