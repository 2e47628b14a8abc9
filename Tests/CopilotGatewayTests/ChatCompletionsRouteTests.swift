import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// End to end: an OpenAI request to the live gateway, which talks to the live simulator over HTTP.
@Suite struct ChatCompletionsRouteTests {
    @Test func answersWithACompleteChatCompletionThatEchoesTheModel() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat([
                "model": "gpt-4o-mini", "messages": [["role": "user", "content": "REPLY `PONG` ONLY"]],
                // Fields real clients send; all must be accepted and ignored.
                "temperature": 0.7, "max_tokens": 8192, "top_p": 1, "stream": false, "user": "smoke-1", "reasoning_effort": "high",
                "enable_thinking": false, "thinking": ["type": "disabled"], "presence_penalty": 0, "max_completion_tokens": 100,
                "tools": [["type": "function", "function": ["name": "future_task", "parameters": ["type": "object"]]]],
                "tool_choice": "auto", "response_format": ["type": "text"], "some_custom_extra_body": ["x": 1],
            ])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            let json = try response.json
            #expect((json["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            #expect(json["object"] as? String == "chat.completion")
            #expect(json["created"] is Int)
            #expect(json["model"] as? String == "gpt-4o-mini")
            let choice = try #require((json["choices"] as? [[String: Any]])?.first)
            #expect(choice["index"] as? Int == 0)
            #expect(choice["finish_reason"] as? String == "stop")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            #expect(message["content"] as? String == "PONG")
            let usage = try #require(json["usage"] as? [String: Int])
            #expect(usage["total_tokens"] == (usage["prompt_tokens"] ?? -1) + (usage["completion_tokens"] ?? -1))
            #expect((usage["completion_tokens"] ?? 0) > 0)
        }
    }

    @Test func streamsRoleFirstThenDeltasOneFinishUsageAndDone() async throws {
        try await GatewayHarness.run { client, _ in
            let prompt = "Explain streaming in two sentences."
            let response = try await client.chat([
                "model": "copilot", "stream": true, "stream_options": ["include_usage": true],
                "messages": [["role": "user", "content": prompt]],
            ])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-cache")
            #expect(response.headers[HTTPField.Name("X-Accel-Buffering")!] == "no")
            #expect(response.eventPayloads.last == "[DONE]")
            let chunks = try response.chunks
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" && $0["model"] as? String == "copilot" })
            let choices = chunks.map { ($0["choices"] as? [[String: Any]]) ?? [] }
            let deltas = choices.compactMap { $0.first?["delta"] as? [String: Any] }
            #expect(deltas.first?["role"] as? String == "assistant")
            #expect(deltas.dropFirst().allSatisfy { $0["role"] == nil })
            #expect(deltas.count > 3, "the reply should arrive in several deltas")
            let finishes = choices.compactMap { $0.first?["finish_reason"] as? String }
            #expect(finishes == ["stop"])
            // The usage chunk is the last chunk and has no choices.
            #expect(choices.last?.isEmpty == true)
            #expect((chunks.last?["usage"] as? [String: Int])?["completion_tokens"] ?? 0 > 0)
            #expect(try response.streamedText == expectedReply(prompt))
        }
    }

    @Test func streamedTextEqualsTheWholeAnswerForTheSamePrompt() async throws {
        try await GatewayHarness.run(simulator: .init(snapshotCount: 12, eventDelay: .zero)) { client, _ in
            let prompt = "Tell me about the <File> tags and citations."
            let whole = try await client.chat(["messages": [["role": "user", "content": prompt]]])
            let streamed = try await client.chat(["stream": true, "messages": [["role": "user", "content": prompt]]])
            let content = try #require(((try whole.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
            #expect(try streamed.streamedText == content)
            #expect(!content.contains("[^"))
        }
    }

    @Test func keepAliveCommentsFlowWhileCopilotIsSilent() async throws {
        // The relay looks every half interval, so only a silence longer than 1.5 intervals is sure to
        // meet a look that finds it overdue; 1.8 s between snapshots leaves room for a slow machine.
        try await GatewayHarness.run(simulator: .init(snapshotCount: 2, eventDelay: .milliseconds(1800)), environment: ["COPILOT_KEEPALIVE_SECONDS": "1"]) { client, _ in
            let prompt = "Take your time."
            let response = try await client.chat(["stream": true, "messages": [["role": "user", "content": prompt]]])
            #expect(String(buffer: response.body).contains("\n\n: keep-alive\n\n"))
            #expect(try response.streamedText == expectedReply(prompt))
            #expect(response.eventPayloads.last == "[DONE]")
        }
    }

    @Test func everyResponseCarriesARequestIDAndKeepsTheClientsOwn() async throws {
        try await GatewayHarness.run { client, _ in
            let own = try await client.chat(["messages": [["role": "user", "content": "hi"]]], headers: [HTTPField.Name("X-Request-Id")!: "bot-123"])
            #expect(own.headers[HTTPField.Name("X-Request-Id")!] == "bot-123")
            let error = try await client.chatRaw("{not json")
            #expect(error.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
        }
    }

    @Test func healthzIsAliveAndReadyzSaysWhetherChatsCanBeServed() async throws {
        try await GatewayHarness.run { client, _ in
            #expect(try await client.execute(uri: "/healthz", method: .get).json["ok"] as? Bool == true)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(try ready.json["ready"] as? Bool == true)
        }
        try await GatewayHarness.run(environment: ["GRAPH_BASE_URL": "http://127.0.0.1:1", "COPILOT_RETRY_ON_5XX": "0"]) { client, _ in
            _ = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect((try ready.json["reason"] as? String)?.contains("did not answer") == true)
        }
        try await GatewayHarness.run(environment: ["COPILOT_ACCESS_TOKEN": ""]) { client, _ in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
        }
    }

    @Test func omitsTheUsageChunkUnlessAsked() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat(["stream": true, "messages": [["role": "user", "content": "hi"]]])
            #expect(try response.chunks.allSatisfy { $0["usage"] == nil })
        }
    }

    @Test func sendsTheTimeZoneAndTurnsWebGroundingOffOnEveryTurn() async throws {
        try await GatewayHarness.run { client, simulator in
            _ = try await client.chat(["user": "tz", "messages": [["role": "user", "content": "one"]]])
            _ = try await client.chat(["user": "tz", "stream": true, "messages": [["role": "user", "content": "two"]]])
            let turns = try await simulator.recordedBodies(pathSuffix: "/chat") + simulator.recordedBodies(pathSuffix: "/chatOverStream")
            #expect(turns.count == 2)
            for turn in turns {
                #expect((turn["locationHint"] as? [String: Any])?["timeZone"] as? String == "Europe/Berlin")
                let web = (turn["contextualResources"] as? [String: Any])?["webContext"] as? [String: Any]
                #expect(web?["isWebEnabled"] as? Bool == false)
            }
        }
    }

    @Test func leavesWebGroundingOnWhenDisableWebIsZero() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_DISABLE_WEB": "0"]) { client, simulator in
            _ = try await client.chat(["messages": [["role": "user", "content": "one"]]])
            #expect(try await simulator.recordedBodies(pathSuffix: "/chat").first?["contextualResources"] == nil)
        }
    }

    @Test func aUserFieldKeepsOneCopilotConversationAcrossTurns() async throws {
        try await GatewayHarness.run { client, simulator in
            let opening: [String: Any] = ["role": "user", "content": "Remember: the codeword is KIWI."]
            let first = try await client.chat(["user": "alice", "messages": [opening]])
            let answer = try first.replyText
            let second = try await client.chat([
                "user": "alice",
                "messages": [opening, ["role": "assistant", "content": answer], ["role": "user", "content": "What is the codeword?"]],
            ])
            #expect(try second.replyText.contains("KIWI"))
            #expect(await simulator.createdConversationCount() == 1)
            // The continuing turn sends only the new message, not the history again.
            let lastTurn = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").last)
            #expect((lastTurn["message"] as? [String: Any])?["text"] as? String == "What is the codeword?")
            #expect(lastTurn["additionalContext"] == nil)
        }
    }

    @Test func aNewConversationIsSeededWithTheSystemPromptAndHistory() async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chat([
                "messages": [
                    ["role": "system", "content": "You are Mika, a cheerful cat."],
                    ["role": "user", "content": "the codeword is MANGO"], ["role": "assistant", "content": "Noted."],
                    ["role": "user", "content": "What is the codeword?"],
                ]
            ])
            let reply = try #require(((try response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)
            #expect(reply.contains("MANGO"))
            let turn = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").first)
            let context = try #require(turn["additionalContext"] as? [[String: Any]])
            let texts = context.compactMap { $0["text"] as? String }
            #expect(texts.contains { $0.contains("You are Mika, a cheerful cat.") })
            #expect(texts.contains { $0.contains("User: the codeword is MANGO") && $0.contains("Assistant: Noted.") })
        }
    }

    @Test func systemRemindersReachCopilotAsContextAndAreNeverEchoed() async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chat([
                "messages": [[
                    "role": "user",
                    "content": [
                        ["type": "text", "text": "Say something nice."],
                        ["type": "text", "text": "<system_reminder>Current datetime: 2026-11-24 18:01 (UTC), Weekday: Tuesday</system_reminder>"],
                    ],
                ]]
            ])
            #expect(!String(buffer: response.body).contains("system_reminder"))
            let turn = try #require(try await simulator.recordedBodies(pathSuffix: "/chat").first)
            #expect((turn["message"] as? [String: Any])?["text"] as? String == "Say something nice.")
            let context = (turn["additionalContext"] as? [[String: Any]])?.compactMap { $0["text"] as? String } ?? []
            #expect(context.contains("Current datetime: 2026-11-24 18:01 (UTC), Weekday: Tuesday"))
        }
    }

    @Test func anImagePartGetsAnAnswerNotAnError() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat([
                "messages": [[
                    "role": "user",
                    "content": [["type": "text", "text": "What is this?"], ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgo="]]],
                ]]
            ])
            #expect(response.status == .ok)
        }
    }

    @Test func servesModelsAndHealthAsTheOriginalDid() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_MODEL_ALIASES": "gpt-4o"]) { client, _ in
            let models = try await client.execute(uri: "/v1/models", method: .get)
            let ids = (try models.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == ["copilot", "gpt-4o"])
            #expect(try models.json["object"] as? String == "list")
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(try health.json["ok"] as? Bool == true)
            let time = try #require(try health.json["time"] as? Int)
            #expect(abs(time - Int(Date().timeIntervalSince1970)) < 60)
            #expect(try health.json["version"] as? String == BuildInfo.summary)
        }
    }
}
