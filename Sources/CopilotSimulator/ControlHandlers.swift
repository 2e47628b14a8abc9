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
