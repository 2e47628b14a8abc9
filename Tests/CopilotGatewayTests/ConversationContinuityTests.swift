import AsyncHTTPClient
import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import CopilotGateway

/// A chat as a bot holds it: the whole history resent every turn, with the gateway's own replies.
struct ChatScript: Sendable {
    var system: String? = "You are Mika, a cheerful cat."
    var user: String?
    var messages: [[String: String]] = []

    /// Sends `text` as the next user message with the history so far, and keeps the reply.
    @discardableResult
    mutating func say(_ text: String, to client: some TestClientProtocol, stream: Bool = false) async throws -> String {
        messages.append(["role": "user", "content": text])
        var body: [String: Any] = ["messages": (system.map { [["role": "system", "content": $0]] } ?? []) + messages, "stream": stream]
        if let user { body["user"] = user }
        let response = try await client.chat(body)
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        let reply = stream ? try response.streamedText : try response.replyText
        messages.append(["role": "assistant", "content": reply])
        return reply
    }
}

@Suite struct ConversationContinuityTests {
    @Test func laterTurnsContinueTheSameConversationWithOnlyTheNewMessage() async throws {
        try await GatewayHarness.run { client, simulator in
            var chat = ChatScript()
            try await chat.say("Hello!", to: client)
            try await chat.say("How are you?", to: client, stream: true)
            try await chat.say("Tell me a joke.", to: client)
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 3 && Set(conversations).count == 1)
            let turns = try await simulator.recordedBodies(pathSuffix: "/chat") + simulator.recordedBodies(pathSuffix: "/chatOverStream")
            let texts = turns.compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
            #expect(Set(texts) == ["Hello!", "How are you?", "Tell me a joke."])
            // Only the first turn carries the persona.
            #expect(turns.filter { $0["additionalContext"] != nil }.count == 1)
        }
    }

    @Test(arguments: ["system prompt", "earlier turn", "truncated"])
    func aHistoryThatNoLongerMatchesStartsAFreshSeededConversation(change: String) async throws {
        try await GatewayHarness.run { client, simulator in
            var chat = ChatScript()
            try await chat.say("the codeword is LYCHEE", to: client)
            try await chat.say("Nice weather.", to: client)
            switch change {
            case "system prompt": chat.system = "You are Taro, a grumpy dog."
            case "earlier turn": chat.messages[2]["content"] = "Terrible weather."
            default: chat.messages.removeFirst(2)
            }
            let reply = try await chat.say("What is the codeword?", to: client)
            #expect(await simulator.createdConversationCount() == 2)
            let seeded = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").last)
            let context = (seeded["additionalContext"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            #expect(context.contains { $0.contains(chat.system ?? "-") }, "the persona goes with the fresh conversation")
            if change == "truncated" {
                #expect(!reply.contains("LYCHEE"))
            } else {
                #expect(reply.contains("LYCHEE"), "the history is replayed")
            }
        }
    }

    @Test func twoCallersWithTheSameHistoryGetDifferentConversations() async throws {
        try await GatewayHarness.run { client, simulator in
            var alice = ChatScript(user: "alice")
            var bob = ChatScript(user: "bob")
            for text in ["Hi!", "What's new?", "Bye."] {
                try await alice.say(text, to: client)
                try await bob.say(text, to: client)
            }
            let conversations = await simulator.turnConversations()
            #expect(Set(conversations).count == 2)
            #expect(conversations[0] == conversations[2] && conversations[1] == conversations[3] && conversations[0] != conversations[1])
        }
    }

    @Test func anonymousCallersWithIdenticalHistoriesNeverShareAConversation() async throws {
        try await GatewayHarness.run { client, simulator in
            var first = ChatScript()
            var second = ChatScript()
            try await first.say("Hi!", to: client)
            try await second.say("Hi!", to: client)
            try await first.say("And now?", to: client)
            try await second.say("And now?", to: client)
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 4)
            #expect(conversations[2] != conversations[3], "the same history must not lead two callers into one conversation")
        }
    }

    @Test func concurrentRequestsWithTheSameHistoryAreSplitNotInterleaved() async throws {
        try await GatewayHarness.run { client, simulator in
            var chat = ChatScript(user: "dave")
            try await chat.say("Hi!", to: client)
            await simulator.addFault(.init(kind: .delay, count: 1, endpoint: .chat, delayMs: 400))
            let history: [[String: String]] = [["role": "system", "content": chat.system ?? ""]] + chat.messages + [["role": "user", "content": "Two at once?"]]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["model": "copilot", "user": "dave", "messages": history]), as: UTF8.self)
            async let one = client.chatRaw(body)
            try await Task.sleep(for: .milliseconds(100))
            async let two = client.chatRaw(body)
            let (first, second) = try await (one, two)
            #expect(first.status == .ok && second.status == .ok)
            let conversations = await simulator.turnConversations()
            #expect(conversations.count == 3)
            #expect(conversations[1] != conversations[2])
        }
    }

    @Test func theCodewordFromTurnOneIsRecalledAtTurnFive() async throws {
        try await GatewayHarness.run { client, simulator in
            var chat = ChatScript(user: "erin")
            try await chat.say("Remember this: the codeword is QUOKKA.", to: client)
            for text in ["Turn two.", "Turn three.", "Turn four."] { try await chat.say(text, to: client) }
            let reply = try await chat.say("What is the codeword?", to: client, stream: true)
            #expect(reply.contains("QUOKKA"))
            #expect(await simulator.createdConversationCount() == 1)
        }
    }

    @Test func theCodewordIsRecalledAfterAForcedFreshConversationWithReplay() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_ALWAYS_NEW_CONVERSATION": "1"]) { client, simulator in
            var chat = ChatScript(user: "frank")
            try await chat.say("Remember this: the codeword is WOMBAT.", to: client)
            for text in ["Turn two.", "Turn three.", "Turn four."] { try await chat.say(text, to: client) }
            let reply = try await chat.say("What is the codeword?", to: client)
            #expect(reply.contains("WOMBAT"))
            #expect(await simulator.createdConversationCount() == 5)
        }
    }

    @Test func anInjected503IsRetriedOnceOnAFreshConversationThatLaterTurnsUse() async throws {
        try await GatewayHarness.run { client, simulator in
            var chat = ChatScript(user: "gina")
            try await chat.say("the codeword is MANGO", to: client)
            await simulator.addFault(.init(kind: .status, endpoint: .chat, status: 503))
            try await chat.say("Still there?", to: client)
            let reply = try await chat.say("What is the codeword?", to: client)
            #expect(reply.contains("MANGO"))
            let conversations = await simulator.turnConversations()
            // Turn 1 on A; turn 2 failed on A, then went to B; turn 3 continued B.
            #expect(conversations.count == 4)
            #expect(conversations[0] == conversations[1] && conversations[2] == conversations[3] && conversations[1] != conversations[2])
        }
    }

    @Test func retriesCanBeTurnedOff() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_RETRY_ON_5XX": "0"]) { client, simulator in
            await simulator.addFault(.init(kind: .status, endpoint: .chat, status: 503))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .serviceUnavailable)
            #expect(await simulator.turnConversations().count == 1)
        }
    }

    @Test func a400FromUpstreamIsNotRetried() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, endpoint: .chat, status: 400))
            let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(response.status == .badGateway)
            #expect(await simulator.turnConversations().count == 1)
        }
    }

    @Test func anIdleConversationExpiresAfterTheTTL() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_SESSION_TTL": "1"]) { client, simulator in
            var chat = ChatScript(user: "hank")
            try await chat.say("Hi!", to: client)
            try await Task.sleep(for: .milliseconds(2100))
            try await chat.say("Still there?", to: client)
            #expect(await simulator.createdConversationCount() == 2)
        }
    }

    @Test func aRestartOfTheGatewayContinuesTheConversation() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("conversations.sqlite").path
        let simulator = CopilotSimulator(options: .init(snapshotCount: 3, eventDelay: .zero))
        let script = Script()
        try await GatewayHarness.run(simulator: simulator, conversations: try SQLiteConversationStore(path: path)) { client, _ in
            var chat = ChatScript(user: "ivy")
            try await chat.say("the codeword is PLUM", to: client)
            await script.set(chat)
        }
        // A new gateway process: same state folder, same Copilot.
        try await GatewayHarness.run(simulator: simulator, conversations: try SQLiteConversationStore(path: path)) { client, _ in
            var chat = await script.chat
            let reply = try await chat.say("What is the codeword?", to: client)
            #expect(reply.contains("PLUM"))
        }
        #expect(await simulator.createdConversationCount() == 1)
        #expect(Set(await simulator.turnConversations()).count == 1)
    }

    @Test(arguments: ["additionalContext", "message text"])
    func wherePutThePersonaIsMeasuredOnTheSimulator(placement: String) async throws {
        // Both placements keep the persona's codeword for the simulator's rules; the gateway uses
        // additionalContext (see README, "How conversations work") so the user's message stays clean.
        let app = Application(router: buildSimulatorRouter(simulator: CopilotSimulator()))
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer t", .contentType: "application/json"]
            let created = try await client.execute(uri: "/beta/copilot/conversations", method: .post, headers: headers, body: ByteBuffer(string: "{}"))
            let id = try #require(try created.json["id"] as? String)
            let persona = "You are Mika. The codeword is ORCA."
            var reply = ""
            for (index, text) in ["Hello!", "Two.", "Three.", "Four.", "What is the codeword?"].enumerated() {
                var body: [String: Any] = ["locationHint": ["timeZone": "UTC"]]
                let first = index == 0
                body["message"] = ["text": first && placement == "message text" ? "\(persona)\n\n\(text)" : text]
                if first && placement == "additionalContext" { body["additionalContext"] = [["text": persona]] }
                let answer = try await client.execute(
                    uri: "/beta/copilot/conversations/\(id)/chat", method: .post, headers: headers,
                    body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: withModel(body))))
                reply = ((try answer.json["messages"] as? [[String: Any]])?.last?["text"] as? String) ?? ""
            }
            #expect(reply.contains("ORCA"))
        }
    }

    @Test func aDrawingRequestGoesToCopilotWithTheImageNoteAndStreams() async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chat(["stream": true, "messages": [["role": "user", "content": "帮我画一只在月亮上的猫"]]])
            #expect(response.status == .ok)
            #expect(try response.streamedText.isEmpty == false)
            let turn = try #require(try await simulator.recordedBodies(pathSuffix: "/chatOverStream").first)
            let context = (turn["additionalContext"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            #expect(context.contains(CopilotPrompt.imageRequestNote))
        }
    }
}

/// Carries a chat from one gateway run to the next.
actor Script {
    var chat = ChatScript()
    func set(_ chat: ChatScript) { self.chat = chat }
}

/// A stream dropped before its body began (the client went away in between) does not leave its
/// conversation reserved: Copilot got the turn, so the history is forgotten.
@Suite struct DroppedStreamTests {
    @Test func aStreamDroppedUnreadForgetsTheConversationItContinued() async throws {
        let logger = Logger(label: "test")
        let directory = try await ConversationDirectory(store: MemoryConversationStore(), ttl: .seconds(600), capacity: 10, logger: logger)
        let turns = TurnPipeline(
            upstream: FakeCopilotUpstream { message, _ in .reply("You said \(message).") },
            settings: .init(timeZone: "UTC", webEnabled: false, alwaysNewConversation: false, retryOnServerError: true, citations: .markdown),
            directory: directory, logger: logger)
        func turn(_ messages: [[String: String]], stream: Bool = false) throws -> TurnRequest {
            let body = try JSONSerialization.data(withJSONObject: ["model": "copilot", "messages": messages, "stream": stream])
            return try JSONDecoder().decode(ChatCompletionRequest.self, from: body).turnRequest(caller: "anonymous", headers: [:])
        }
        let first = try await turns.start(try turn([["role": "user", "content": "first"]])).run { _ in }
        #expect(await directory.count == 1)
        let continuing = try turn(
            [["role": "user", "content": "first"], ["role": "assistant", "content": first.text], ["role": "user", "content": "second"]], stream: true)
        var stream: StartedTurn? = try await turns.start(continuing)
        #expect(stream != nil)
        stream = nil
        let deadline = ContinuousClock.now + .seconds(3)
        while await directory.count > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await directory.count == 0, "the dropped turn's conversation is forgotten, not held for 15 minutes")
    }
}
