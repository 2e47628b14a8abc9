import AsyncHTTPClient
import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import CopilotGateway

/// Several Microsoft accounts in one gateway, live against the simulator: each signed in with a device
/// code as its own user, keys bound to them, pools that prefer or spread, failover and the way back.
@Suite struct SeveralAccountsTests {
    static let alice = "alice@contoso.com"
    static let bob = "bob@contoso.com"

    static func user(_ text: String) -> [String: String] { ["role": "user", "content": text] }
    static func assistant(_ text: String) -> [String: String] { ["role": "assistant", "content": text] }

    @Test func eachBoundKeyIsServedOnlyByItsOwnAccountsTokens() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.signIn("bob", as: Self.bob)
            try await harness.serve { client in
                for round in 0..<2 {
                    var start = await harness.copilotCalls()
                    let asAlice = try await client.chat(as: "alice", [Self.user("alice asks \(round)")], stream: round == 1)
                    #expect(asAlice.status == .ok)
                    #expect(Set(await harness.users(since: start)) == [Self.alice])
                    start = await harness.copilotCalls()
                    let asBob = try await client.chat(as: "bob", [Self.user("bob asks \(round)")], stream: round == 1)
                    #expect(asBob.status == .ok)
                    #expect(Set(await harness.users(since: start)) == [Self.bob])
                }
            }
        }
    }

    @Test func aPoolPrefersItsFirstAccountOrSpreadsAsConfigured() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.signIn("bob", as: Self.bob)
            try await harness.serve { client in
                for round in 0..<4 {
                    let answer = try await client.chat(as: "pool", [Self.user("preferred \(round)")])
                    #expect(answer.status == .ok)
                }
                #expect(Set(await harness.users()) == [Self.alice])
            }
            let start = await harness.copilotCalls()
            try await harness.serve(["COPILOT_ACCOUNT_POOL": "spread"]) { client in
                for round in 0..<4 {
                    let answer = try await client.chat(as: "pool", [Self.user("spread \(round)")])
                    #expect(answer.status == .ok)
                }
                let users = await harness.users(since: start)
                #expect(users.filter { $0 == Self.alice }.count == users.filter { $0 == Self.bob }.count)
            }
        }
    }

    @Test func aThrottledAccountHandsItsTurnsToTheNextAndServesAgainAfterItsRest() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.signIn("bob", as: Self.bob)
            let metrics = GatewayMetrics()
            try await harness.serve(metrics: metrics) { client in
                let first = try await client.chat(as: "pool", [Self.user("the first question")])
                let firstReply = try first.replyText
                #expect(Set(await harness.users()) == [Self.alice])
                await harness.simulator.addFault(SimulatorFault(kind: .status, count: 20, status: 429, retryAfter: "2", user: Self.alice))

                // The continuing turn: Alice's conversation is throttled; Bob takes it on a new conversation with the history.
                var start = await harness.copilotCalls()
                let history = [Self.user("the first question"), Self.assistant(firstReply), Self.user("the second question")]
                let second = try await client.chat(as: "pool", history, stream: true)
                #expect(second.status == .ok)
                #expect(try second.streamedText.isEmpty == false)
                #expect(await harness.users(since: start).last == Self.bob)
                let seeded = try #require(try await harness.simulator.recordedBodies(pathSuffix: "chatOverStream").last)
                #expect("\(seeded["additionalContext"] ?? "")".contains("the first question"))

                // A new conversation while Alice rests goes to Bob without trying her.
                start = await harness.copilotCalls()
                #expect(try await client.chat(as: "pool", [Self.user("a new topic")]).status == .ok)
                #expect(Set(await harness.users(since: start)) == [Self.bob])

                // After her rest, new conversations are Alice's again; the moved one stays on Bob.
                await harness.simulator.clearFaults()
                try await Task.sleep(for: .milliseconds(2_200))
                start = await harness.copilotCalls()
                #expect(try await client.chat(as: "pool", [Self.user("after the rest")]).status == .ok)
                #expect(Set(await harness.users(since: start)) == [Self.alice])
                start = await harness.copilotCalls()
                let third = history + [Self.assistant(try second.streamedText), Self.user("the third question")]
                #expect(try await client.chat(as: "pool", third).status == .ok)
                #expect(await harness.users(since: start) == [Self.bob])

                let scraped = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin).body)
                let failovers = scraped.split(separator: "\n").filter { $0.hasPrefix("copilot_gateway_account_failovers_total{") }
                #expect(failovers.contains { $0.contains(#"from="alice""#) && $0.contains(#"to="bob""#) && $0.contains(#"reason="throttled""#) })
                #expect(scraped.contains(#"copilot_gateway_account_throttled_seconds_total{account="alice"} 2"#))
                #expect(scraped.contains(#"copilot_gateway_turns_total{account="bob",outcome="completed"} 3"#))
                #expect(scraped.contains(#"copilot_gateway_account_signed_in{account="alice",upstream="graph"} 1"#))
            }
        }
    }

    @Test func aSignedOutAccountIsPassedOverUntilItIsSignedInAgain() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.signIn("bob", as: Self.bob)
            try await harness.serve { client in
                #expect(try await client.chat(as: "pool", [Self.user("before")]).status == .ok)
                // Alice's next refresh is refused: she is signed out mid-run.
                await harness.simulator.expireAccessTokens()
                await harness.simulator.addFault(SimulatorFault(kind: .invalidGrant, count: 1))
                let start = await harness.copilotCalls()
                let moved = try await client.chat(as: "pool", [Self.user("while alice is signed out")])
                #expect(moved.status == .ok)
                // Alice's rejected token, then Bob's (his too was expired: rejected once, refreshed), his new conversation and turn.
                let moves = await harness.users(since: start)
                #expect(moves.first == Self.alice)
                #expect(moves.dropFirst().allSatisfy { $0 == Self.bob } && moves.count >= 3)
                #expect(try await client.chat(as: "alice", [Self.user("alice alone")]).status == .unauthorized)

                try await harness.signIn("alice", as: Self.alice)
                let back = await harness.copilotCalls()
                #expect(try await client.chat(as: "pool", [Self.user("alice is back")]).status == .ok)
                #expect(Set(await harness.users(since: back)) == [Self.alice])
            }
        }
    }

    @Test func oneAccountsSlowTurnsTakeNoneOfAnothersPlaces() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.signIn("bob", as: Self.bob)
            try await harness.serve(["COPILOT_MAX_CONCURRENT": "1", "COPILOT_QUEUE_SECONDS": "0"]) { client in
                try await harness.whileAliceIsSlow(key: "alice", client: client) {
                    let busy = try await client.chat(as: "alice", [Self.user("alice again")])
                    #expect(busy.status == .tooManyRequests)
                    let bob = try await client.chat(as: "bob", [Self.user("bob meanwhile")])
                    #expect(bob.status == .ok)
                }
            }
        }
    }

    @Test func theLoginPageSignsInANamedAccount() async throws {
        try await AccountsHarness.run { harness in
            try await harness.serve(["GATEWAY_API_KEYS": ""]) { client in
                var form = ByteBuffer(string: "account=bob")
                var headers = GatewayHarness.admin
                headers[.contentType] = "application/x-www-form-urlencoded"
                let started = try await client.execute(uri: "/login", method: .post, headers: headers, body: form)
                #expect(started.status == .seeOther)
                #expect(started.headers[.location] == "/login?account=bob")
                let page = String(buffer: try await client.execute(uri: "/login?account=bob", method: .get, headers: GatewayHarness.admin).body)
                let code = try #require(await harness.simulator.deviceCodes.last?.userCode)
                #expect(page.contains(code))
                #expect(await harness.simulator.approveDeviceCode(userCode: code, user: Self.bob))
                let cache = TokenCacheFile(path: AccountProfile.cachePath(of: "bob", in: harness.stateDirectory + "/accounts"))
                let deadline = ContinuousClock.now + .seconds(10)
                while (try? cache.load())?.isSignedIn != true, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                let saved = try #require(try cache.load())
                #expect(saved.account?.username == Self.bob)
                #expect(saved.upstream == .graph)
                form = ByteBuffer(string: "account=Not_Valid")
                let invalid = try await client.execute(uri: "/login", method: .post, headers: headers, body: form)
                #expect(invalid.status == .badRequest)
            }
        }
    }

    @Test func accountsBindingsAndConversationsSurviveARestart() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.signIn("bob", as: Self.bob)
            let history = [Self.user("remember the number 7")]
            let replies = Replies()
            try await harness.serve { client in await replies.add(try await client.chat(as: "bob", history).replyText) }
            let first = try #require(await replies.all.first)
            let conversations = await harness.simulator.turnConversations()
            try await harness.serve { client in
                let start = await harness.copilotCalls()
                let next = history + [Self.assistant(first), Self.user("what was the number?")]
                let answer = try await client.chat(as: "bob", next)
                #expect(answer.status == .ok)
                #expect(await harness.users(since: start) == [Self.bob])
                #expect(await harness.simulator.turnConversations().last == conversations.last)
            }
        }
    }

    @Test func aWorkIQAccountAnswersWholeAndStreamedThroughWorkIQWithItsCitations() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("carol", as: "carol@contoso.com", upstream: .workIQ)
            let prompt = try #require((0..<40).map { "cite me \($0)" }.first { SimulatedReplies.stableHash($0) % 2 == 0 })
            let keys = "\(AccountsHarness.keys["carol"]!) account=carol"
            try await harness.serve(["GATEWAY_API_KEYS": keys]) { client in
                let whole = try await client.chat(as: "carol", [Self.user(prompt)])
                #expect(whole.status == .ok)
                #expect(try whole.replyText.contains("https://contoso.sharepoint.com/sim/notes.docx"))
                let streamed = try await client.chat(as: "carol", [Self.user(prompt + " again")], stream: true)
                #expect(try streamed.streamedText.contains("https://contoso.sharepoint.com/sim/handbook.docx"))
                let calls = await harness.simulator.recordedRequests.filter { $0.path.hasPrefix("/rest/") || $0.path.hasPrefix("/beta/") }
                #expect(calls.allSatisfy { $0.path.hasPrefix("/rest/conversations") && $0.user == "carol@contoso.com" })
                #expect(calls.contains { $0.path.hasSuffix("/chatOverStream") } && calls.contains { $0.path.hasSuffix("/chat") })
            }
        }
    }

    @Test func aKeyBoundToAnUnknownAccountStopsStartUpWithItsLine() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            let file = harness.stateDirectory + "/keys"
            try "# team keys\nalice-key-0123456789abcdef account=alice\nmallory-key-0123456789abcdef account=alice,mallory\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let configuration = try harness.configuration(["GATEWAY_API_KEYS": "", "GATEWAY_API_KEY_FILE": file])
            let dependencies = try await GatewayDependencies.live(configuration: configuration, httpClient: harness.httpClient, logger: .init(label: "gateway"))
            let error = await #expect(throws: ConfigurationError.self) { try await dependencies.checkBindings(configuration.apiKeyBindings) }
            #expect(error?.description.contains("\(file) line 3: account=mallory") == true)
        }
    }

    @Test func readinessNeedsAUsableAccountForEveryKey() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.signIn("bob", as: Self.bob)
            try await harness.serve(["GATEWAY_API_KEYS": "\(AccountsHarness.keys["bob"]!) account=bob"]) { client in
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .ok)
            }
            let bobCache = AccountProfile.cachePath(of: "bob", in: harness.stateDirectory + "/accounts")
            var signedOut = try #require(try TokenCacheFile(path: bobCache).load())
            signedOut.refreshToken = nil
            signedOut.accessToken = nil
            signedOut.accessTokenExpiresAt = nil
            try TokenCacheFile(path: bobCache).save(signedOut)
            try await harness.serve(["GATEWAY_API_KEYS": "\(AccountsHarness.keys["bob"]!) account=bob"]) { client in
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .serviceUnavailable)
                #expect((try ready.json["reason"] as? String)?.contains("bob is not signed in") == true)
            }
        }
    }
}

/// Replies kept across a gateway's restart.
actor Replies {
    private(set) var all: [String] = []
    func add(_ reply: String) { all.append(reply) }
}
