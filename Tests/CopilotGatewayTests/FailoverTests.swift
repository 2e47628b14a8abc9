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

/// What moves a turn to another account, what keeps it on its own, and what a lone account keeps.
@Suite struct FailoverTests {
    static let alice = SeveralAccountsTests.alice
    static let bob = SeveralAccountsTests.bob
    static func user(_ text: String) -> [String: String] { SeveralAccountsTests.user(text) }
    static func assistant(_ text: String) -> [String: String] { SeveralAccountsTests.assistant(text) }

    static func signedInPair(_ body: @Sendable @escaping (AccountsHarness) async throws -> Void) async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: alice)
            try await harness.signIn("bob", as: bob)
            try await body(harness)
        }
    }

    @Test(arguments: [(403, "refused", 1), (503, "server_error", 2)])
    func aRefusingOrFailingAccountHandsTheTurnToTheNext(status: Int, reason: String, aliceCalls: Int) async throws {
        try await Self.signedInPair { harness in
            let metrics = GatewayMetrics()
            try await harness.serve(metrics: metrics) { client in
                await harness.simulator.addFault(SimulatorFault(kind: .status, count: 10, status: status, user: Self.alice))
                let answer = try await client.chat(as: "pool", [Self.user("a question for whoever can")])
                #expect(answer.status == .ok)
                // A 5xx is first retried on the same account, as before there were several.
                let users = await harness.users()
                #expect(users.prefix(aliceCalls) == ArraySlice(Array(repeating: Self.alice, count: aliceCalls)))
                #expect(users.dropFirst(aliceCalls).allSatisfy { $0 == Self.bob } && users.count == aliceCalls + 2)
                let scraped = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin).body)
                #expect(scraped.split(separator: "\n").contains { $0.hasPrefix("copilot_gateway_account_failovers_total{") && $0.contains(#"reason="\#(reason)""#) })
            }
        }
    }

    @Test func aRetriedTurnStaysOnTheAccountOfItsConversation() async throws {
        try await Self.signedInPair { harness in
            try await harness.serve { client in
                let first = try await client.chat(as: "pool", [Self.user("question one")]).replyText
                await harness.simulator.addFault(SimulatorFault(kind: .status, count: 5, status: 429, retryAfter: "1", user: Self.alice))
                let history = [Self.user("question one"), Self.assistant(first), Self.user("question two")]
                let second = try await client.chat(as: "pool", history).replyText  // moved to Bob
                await harness.simulator.clearFaults()
                try await Task.sleep(for: .milliseconds(1_200))  // Alice's rest is over
                await harness.simulator.addFault(SimulatorFault(kind: .cut, endpoint: .stream, afterEvents: 1, user: Self.bob))
                let start = await harness.copilotCalls()
                let third = try await client.chat(as: "pool", history + [Self.assistant(second), Self.user("question three")], stream: true)
                #expect(try third.streamedText.isEmpty == false)
                let users = await harness.users(since: start)
                #expect(users.count >= 3 && users.allSatisfy { $0 == Self.bob }, "the retry left the conversation's account: \(users)")
            }
        }
    }

    @Test func aPreferredAccountWithoutAFreePlaceLetsTheNextTakeNewConversations() async throws {
        try await Self.signedInPair { harness in
            try await harness.serve(["COPILOT_MAX_CONCURRENT": "1", "COPILOT_QUEUE_SECONDS": "0"]) { client in
                try await harness.whileAliceIsSlow(key: "pool", client: client) {
                    let start = await harness.copilotCalls()
                    let meanwhile = try await client.chat(as: "pool", [Self.user("a new topic meanwhile")])
                    #expect(meanwhile.status == .ok)
                    #expect(Set(await harness.users(since: start)) == [Self.bob])
                }
            }
        }
    }

    @Test func anAccountSignedInWhileTheServerRunsServesWithoutARestart() async throws {
        try await AccountsHarness.run { harness in
            try await harness.signIn("alice", as: Self.alice)
            try await harness.serve(["GATEWAY_API_KEYS": AccountsHarness.keys["any"]!]) { client in
                #expect(try await client.chat(as: "any", [Self.user("before bob")]).status == .ok)
                try await harness.signIn("bob", as: Self.bob)
                await harness.simulator.addFault(SimulatorFault(kind: .status, count: 10, status: 429, retryAfter: "30", user: Self.alice))
                try await Task.sleep(for: .milliseconds(2_100))  // the accounts folder is read again
                let start = await harness.copilotCalls()
                let answer = try await client.chat(as: "any", [Self.user("bob takes over")])
                #expect(answer.status == .ok)
                #expect(await harness.users(since: start).last == Self.bob)
            }
        }
    }

    @Test func aWorkIQRefusalNamesItsLikelyCauses() {
        let profile = AccountProfile(name: "carol", tenant: "t", clientID: "c", scopes: [], upstream: .workIQ, cachePath: "/x")
        for status in [401, 403] {
            let fix = Doctor.fix(for: .status(status, code: nil, message: nil, retryAfter: nil), api: .workIQ, profile: profile)
            #expect(fix.contains("WorkIQAgent.Ask") && fix.contains("pay-as-you-go") && fix.contains("login --account carol"))
        }
        let graph = Doctor.fix(for: .status(403, code: nil, message: nil, retryAfter: nil), api: .graph, profile: nil)
        #expect(graph.contains("Copilot licence") && !graph.contains("pay-as-you-go"))
    }

    @Test func anAccountRemovedFromDiskStopsServing() async throws {
        try await Self.signedInPair { harness in
            let configuration = try harness.configuration()
            let dependencies = try await GatewayDependencies.live(
                configuration: configuration, httpClient: harness.httpClient, logger: Logger(label: "gateway"), conversations: MemoryConversationStore())
            #expect(await dependencies.accounts.accounts().map(\.name) == ["default", "alice", "bob"])
            try FileManager.default.removeItem(atPath: AccountProfile.cachePath(of: "bob", in: configuration.accountsFolder))  // logout --forget
            try await Task.sleep(for: .milliseconds(2_100))
            #expect(await dependencies.accounts.accounts().map(\.name) == ["default", "alice"])
        }
    }

    @Test func aLoneThrottledAccountKeepsTheGatewayReadyAndAnswers429AsBefore() async throws {
        try await GatewayHarness.run { client, simulator in
            await simulator.addFault(.init(kind: .status, count: 3, status: 429, retryAfter: "60"))
            let throttled = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] == "60")
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
        }
    }

    @Test func whatMovesATurnToAnotherAccount() {
        #expect(AccountPool.failoverReason(UpstreamError.status(429, code: nil, message: nil, retryAfter: 5)) == "throttled")
        #expect(AccountPool.failoverReason(UpstreamError.status(401, code: nil, message: nil, retryAfter: nil)) == "refused")
        #expect(AccountPool.failoverReason(UpstreamError.status(502, code: nil, message: nil, retryAfter: nil)) == "server_error")
        #expect(AccountPool.failoverReason(UpstreamError.notSignedIn("x")) == "signed_out")
        #expect(AccountPool.failoverReason(UpstreamError.transport("reset")) == "unreachable")
        #expect(AccountPool.failoverReason(UpstreamError.timeout) == "unreachable")
        // The request itself is at fault, or Copilot answered: another account would do the same.
        #expect(AccountPool.failoverReason(UpstreamError.status(400, code: nil, message: nil, retryAfter: nil)) == nil)
        #expect(AccountPool.failoverReason(UpstreamError.status(413, code: nil, message: nil, retryAfter: nil)) == nil)
        #expect(AccountPool.failoverReason(UpstreamError.wrongForm("JSON")) == nil)
        #expect(AccountPool.failoverReason(TurnError.upstreamBusy(limit: 1, waitedSeconds: 0)) == nil)
    }
}
