import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct ConversationTests {
    @Test func createReturns201WithAnActiveEmptyConversation() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/beta/copilot/conversations", method: .post, headers: bearer, body: ByteBuffer(string: "{}")
            ) { response in
                #expect(response.status == .created)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.requestID] != nil)
                let json = try #require(response.json)
                let prefix = #"{"@odata.context":"\#(GraphPayloads.createContext)","id":""#
                #expect(response.text.hasPrefix(prefix))
                #expect(json["agentId"] == .null)
                #expect(json["displayName"] == "")
                #expect(json["state"] == "active")
                #expect(json["turnCount"] == 0)
                #expect(json["status"] == nil)
                let created = try #require(json["createdDateTime"]?.stringValue)
                #expect(created.hasSuffix("Z") && created.contains("."))
                #expect(json["id"]?.stringValue?.count == 36)
            }
        }
    }

    @Test func chatReturnsEchoAndReplyAndCountsTurns() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let first = try await client.chat(id, chatBody("First question"))
            #expect(first.status == .ok)
            #expect(first.headers[.contentType] == "application/json")
            let one = try #require(first.json)
            #expect(one["@odata.context"] == .string(GraphPayloads.chatContext))
            #expect(one["id"] == .string(id))
            #expect(one["displayName"] == "First question")
            #expect(one["turnCount"] == 1)
            #expect(one["state"] == "active")
            let messages = try #require(one["messages"]?.arrayValue)
            #expect(messages.count == 2)
            let (echo, reply) = (messages[0], messages[1])
            #expect(echo["@odata.type"] == "#microsoft.graph.copilotConversationResponseMessage")
            #expect(reply["@odata.type"] == "#microsoft.graph.copilotConversationResponseMessage")
            #expect(echo["text"] == "First question")
            #expect(echo["adaptiveCards"] == [])
            #expect(echo["attributions"] == [])
            #expect(reply["adaptiveCards"] == .array([.object([])]))
            let expected = SimulatedReplies.reply(to: "First question", conversationText: [])
            #expect(reply["text"] == .string(expected.text))
            let label = try #require(reply["sensitivityLabel"])
            for key in ["sensitivityLabelId", "displayName", "tooltip", "priority", "color", "isEncrypted"] {
                #expect(label[key] == .null)
            }

            let second = try #require(try await client.chat(id, chatBody("Second question")).json)
            #expect(second["displayName"] == "First question")
            #expect(second["turnCount"] == 2)
            let secondMessages = try #require(second["messages"]?.arrayValue)
            #expect(secondMessages.count == 2)
            #expect(secondMessages[0]["text"] == "Second question")
            #expect(secondMessages[1]["id"] != reply["id"])
        }
    }

    @Test func codewordIsRememberedAcrossTurns() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            _ = try await client.chat(id, chatBody("Remember this: the codeword is PURPLE-7."))
            _ = try await client.chat(id, chatBody("Something unrelated"))
            let reply = try await client.chat(id, chatBody("What was the codeword?"))
            #expect(reply.json?["messages"]?.arrayValue?.last?["text"] == "The codeword is PURPLE-7.")

            let other = try await client.createConversation()
            let fresh = try await client.chat(other, chatBody("What was the codeword?"))
            #expect(fresh.json?["messages"]?.arrayValue?.last?["text"] == .string(SimulatedReplies.unknownCodewordText))
        }
    }

    @Test func codewordArrivesThroughAdditionalContext() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let reply = try await client.chat(
                id, chatBody("Which codeword did the notes give?", context: ["Note: the codeword is ctx_42", "other"]))
            #expect(reply.json?["messages"]?.arrayValue?.last?["text"] == "The codeword is ctx_42.")

            let record = try #require(await simulator.conversation(id: id))
            #expect(record.turns.count == 1)
            #expect(record.turns[0].additionalContext.map(\.text) == ["Note: the codeword is ctx_42", "other"])
            #expect(record.turns[0].additionalContext[0].description == "note")

            try await client.execute(uri: "/_sim/conversations/\(id)", method: .get) { response in
                #expect(response.status == .ok)
                let turns = try #require(response.json?["turns"]?.arrayValue)
                #expect(turns.first?["additionalContext"]?.arrayValue?.count == 2)
            }
        }
    }

    @Test func contextNotesAreCountedInTheDefaultReply() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let reply = try await client.chat(id, chatBody("Summarize please", context: ["one", "two"]))
            let text = try #require(reply.json?["messages"]?.arrayValue?.last?["text"]?.stringValue)
            #expect(text.contains("(I also received 2 context notes.)"))
        }
    }
}
