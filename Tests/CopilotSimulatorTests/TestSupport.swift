import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

/// A simulator app with no pauses between stream events.
func makeSimulatorApp(
    _ options: SimulatorOptions = SimulatorOptions(eventDelay: .zero)
) -> (CopilotSimulator, some ApplicationProtocol) {
    let simulator = CopilotSimulator(options: options)
    return (simulator, Application(router: buildSimulatorRouter(simulator: simulator)))
}

let bearer: HTTPFields = [.authorization: "Bearer test-token", .contentType: "application/json"]

/// A chat body with `text`, a valid time zone and optional additional context.
func chatBody(_ text: String, context: [String] = [], timeZone: String = "Europe/Berlin") -> ByteBuffer {
    var members: [(String, SimulatorJSON)] = [
        ("message", .object([("text", .string(text))])),
        ("locationHint", .object([("timeZone", .string(timeZone))])),
    ]
    if !context.isEmpty {
        members.append(
            ("additionalContext", .array(context.map { .object([("text", .string($0)), ("description", "note")]) })))
    }
    return ByteBuffer(string: SimulatorJSON.object(members).compactText)
}

extension TestResponse {
    var text: String { String(buffer: body) }

    var json: SimulatorJSON? { SimulatorJSON.parse(text) }
}

extension TestClientProtocol {
    func createConversation() async throws -> String {
        try await execute(
            uri: "/beta/copilot/conversations", method: .post, headers: bearer, body: ByteBuffer(string: "{}")
        ) { response in
            try #require(response.status == .created)
            return try #require(response.json?["id"]?.stringValue)
        }
    }

    func chat(_ id: String, _ body: ByteBuffer, headers: HTTPFields = bearer) async throws -> TestResponse {
        try await execute(uri: "/beta/copilot/conversations/\(id)/chat", method: .post, headers: headers, body: body)
    }

    func stream(_ id: String, _ body: ByteBuffer, path: String = "chatOverStream") async throws -> TestResponse {
        try await execute(uri: "/beta/copilot/conversations/\(id)/\(path)", method: .post, headers: bearer, body: body)
    }

    func addFault(_ json: String) async throws {
        try await execute(uri: "/_sim/faults", method: .post, body: ByteBuffer(string: json)) { response in
            #expect(response.status == .created, "\(response.text)")
        }
    }
}

/// One parsed SSE event: the raw `id:` line value (trailing space kept) and the joined data.
struct SSEEvent {
    var id: String?
    var data: String
    var json: SimulatorJSON? { SimulatorJSON.parse(data) }
}

/// A lenient SSE parser: LF or CRLF, comment lines, continuation lines without `data:`.
func parseSSE(_ text: String) -> [SSEEvent] {
    var events: [SSEEvent] = []
    var current: SSEEvent?
    // "\r\n" is one Character, so split on newline Characters rather than on "\n".
    for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
        let line = String(rawLine)
        if line.isEmpty {
            if let event = current { events.append(event) }
            current = nil
        } else if line.hasPrefix(":") {
            continue
        } else if line.hasPrefix("data:") {
            let value = line.dropFirst(5).drop { $0 == " " }
            if current == nil { current = SSEEvent(id: nil, data: String(value)) } else { current?.data += "\n" + value }
        } else if line.hasPrefix("id:") {
            current?.id = String(line.dropFirst(3))
        } else {
            current?.data += "\n" + line
        }
    }
    if let event = current { events.append(event) }
    return events
}

/// The reply text of a partial snapshot (`messages: [reply]`), if it has one.
func partialText(_ event: SSEEvent) -> String? {
    guard let messages = event.json?["messages"]?.arrayValue, messages.count == 1 else { return nil }
    return messages[0]["text"]?.stringValue
}
