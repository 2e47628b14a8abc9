import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// Client text cannot pass for another field of a conversation's key: a session name holding the
/// scope's separator does not reach another dialect's conversations, and text holding NUL does not
/// split into two fingerprint fields. Keys of ordinary text stay what earlier versions recorded.
@Suite struct UnambiguousKeysTests {
    func turn(user: String, space: ConversationSpace) throws -> TurnRequest {
        try TurnRequest(model: nil, session: [.user(user)], instructions: [], entries: [.user([.text("hi")])], space: space)
    }

    @Test func aUserHoldingTheSeparatorDoesNotReachAnotherDialectsConversations() throws {
        let responses = try turn(user: "X", space: ConversationSpace("openai.responses"))
        let injected = try turn(user: "X\u{1}openai.responses", space: ConversationSpace(""))
        #expect(injected.scope != responses.scope)
        #expect(injected.scope.hasPrefix("anonymous\u{1}digest:"))
        let withNUL = try turn(user: "X\u{0}", space: ConversationSpace(""))
        #expect(withNUL.scope != (try turn(user: "X", space: ConversationSpace(""))).scope)
    }

    @Test func aSessionNameLongerThanAPlainKeyIsKeptAsItsDigest() throws {
        let long = String(repeating: "{\"a\":", count: 1000)
        let scope = try turn(user: long, space: ConversationSpace("")).scope
        #expect(scope.hasPrefix("anonymous\u{1}digest:") && scope.utf8.count < 100)
        #expect(scope != (try turn(user: long + "x", space: ConversationSpace(""))).scope)
        let longest = String(repeating: "n", count: TurnRequest.longestPlainSessionKey - "user:".count)
        #expect(try turn(user: longest, space: ConversationSpace("")).scope == "anonymous\u{1}user:" + longest)
    }

    @Test func anOrdinarySessionKeepsTheScopeEarlierVersionsRecorded() throws {
        #expect(try turn(user: "alice", space: ConversationSpace("")).scope == "anonymous\u{1}user:alice")
        #expect(try turn(user: "alice", space: ConversationSpace("openai.responses")).scope == "anonymous\u{1}user:alice\u{1}openai.responses")
    }

    @Test func textHoldingNULCannotPassForTwoFingerprintFields() {
        let joined = Transcript.fingerprint(scope: "s", instructions: nil, lines: [.init(speaker: .user, text: "a\u{0}user\u{0}b")])
        let split = Transcript.fingerprint(
            scope: "s", instructions: nil, lines: [.init(speaker: .user, text: "a"), .init(speaker: .user, text: "b")])
        #expect(joined != split)
        #expect(Transcript.unambiguous("a\u{0}b\u{1}c") == "a\u{1}0b\u{1}1c")
        #expect(Transcript.unambiguous("plain 文字") == "plain 文字")
    }

    @Test func aChatUserHoldingTheSeparatorStartsItsOwnConversationLive() async throws {
        try await GatewayHarness.run { client, simulator in
            let body = try JSONSerialization.data(withJSONObject: ["model": "copilot", "input": "REPLY `ok` ONLY", "user": "X"])
            let answered = try await client.execute(
                uri: "/v1/responses", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body))
            #expect(answered.status == .ok)
            let output = try #require((try answered.json["output"] as? [[String: Any]])?.first?["content"] as? [[String: Any]])
            let reply = try #require(output.first?["text"] as? String)
            #expect(await simulator.createdConversationCount() == 1)
            // The same history through Chat Completions, its user naming the Responses space.
            let injected = try await client.chat([
                "user": "X\u{1}openai.responses",
                "messages": [["role": "user", "content": "REPLY `ok` ONLY"], ["role": "assistant", "content": reply], ["role": "user", "content": "more"]],
            ])
            #expect(injected.status == .ok)
            #expect(await simulator.createdConversationCount() == 2, "the chat began a conversation of its own")
        }
    }
}
