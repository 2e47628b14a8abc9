import AsyncHTTPClient
import Logging
import NIOCore
import Testing

@testable import CopilotGateway

/// Every event reaches the turn whichever way it is read: by the scanner, by `JSONDecoder` from its
/// bytes, or split and repaired first.
struct GraphSnapshotStreamTests {
    static func partial(_ text: String, extra: String = "") -> String {
        #"{\#(extra)"displayName":"Intermediate Conversation Update","messages":[{"id":"r","text":"\#(text)"}]}"#
    }

    static func texts(of body: [UInt8]) async throws -> [String] {
        let stream = GraphSnapshotStream(body: .bytes(ByteBuffer(bytes: body)), logger: Logger(label: "test"))
        var texts: [String] = []
        try await stream.forEach { texts.append($0.messages?.last?.text ?? "") } afterEachRead: {}
        return texts
    }

    @Test func scannedJoinedNonUTF8AndFinalEventsAllArriveAndDoneIsSkipped() async throws {
        var body = Array("data: \(Self.partial("Hel"))\n\n".utf8)
        // Two objects whose blank line was dropped: split, each handled.
        body += Array("data: \(Self.partial("Hello"))\ndata: \(Self.partial("Hello wor"))\n\n".utf8)
        // A byte that is not UTF-8 in a field the gateway does not read: repaired, not lost.
        body += Array("data: {\"x\":\"".utf8) + [0xFF] + Array("\",".utf8) + Array(Self.partial("Hello world").dropFirst().utf8) + Array("\n\n".utf8)
        body += Array("data: [DONE]\n\n".utf8)
        let final = #"{"displayName":"A title","turnCount":1,"state":"active","messages":[{"id":"e","text":"hi"},{"id":"r","text":"Hello world!"}]}"#
        body += Array("data: \(final)\n\n".utf8)
        #expect(try await Self.texts(of: body) == ["Hel", "Hello", "Hello wor", "Hello world", "Hello world!"])
    }

    @Test func anInBandErrorEventThrowsAfterTheSnapshotsBeforeIt() async throws {
        let body = Array("data: \(Self.partial("Hel"))\n\ndata: {\"error\":{\"code\":\"InternalServerError\",\"message\":\"boom\"}}\n\n".utf8)
        let stream = GraphSnapshotStream(body: .bytes(ByteBuffer(bytes: body)), logger: Logger(label: "test"))
        var texts: [String] = []
        await #expect(throws: UpstreamError.self) {
            try await stream.forEach { texts.append($0.messages?.last?.text ?? "") } afterEachRead: {}
        }
        #expect(texts == ["Hel"])
    }
}
