import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct IdentityFaultAndLogTests {
    @Test(arguments: [(503, "5"), (429, "2"), (500, nil)] as [(Int, String?)])
    func statusFaultsOnTheTokenEndpointUseEntrasShape(status: Int, retryAfter: String?) async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let token = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            let retry = retryAfter.map { #","retryAfter":"\#($0)""# } ?? ""
            try await client.addFault(#"{"kind":"status","status":\#(status),"endpoint":"token"\#(retry)}"#)
            let response = try await client.refresh(token)
            try expectEntraError(response, "temporarily_unavailable", code: 90033, status: status)
            #expect(response.headers[.retryAfter] == retryAfter)
            #expect(try await client.refresh(token).status == .ok)
            #expect(await simulator.refreshGrantCount == 2)
        }
    }

    @Test func statusFaultsOnDevicecodeAndPollsAreSeparateFromGraph() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try await client.addFault(#"{"kind":"status","status":503,"endpoint":"devicecode","retryAfter":"1"}"#)
            try await client.addFault(#"{"kind":"status","status":502}"#)
            // The `any` fault waits for a Graph request; the devicecode fault is spent on devicecode.
            let failed = try await client.postForm(
                "/common/oauth2/v2.0/devicecode", [("client_id", testClientID), ("scope", graphScopes)])
            try expectEntraError(failed, "temporarily_unavailable", code: 90033, status: 503)
            #expect(failed.headers[.retryAfter] == "1")
            let code = try await client.requestDeviceCode()
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
            #expect(await simulator.pendingFaults.map(\.status) == [502])
            let graph = try await client.execute(
                uri: "/beta/copilot/conversations", method: .post, headers: bearer, body: ByteBuffer(string: "{}"))
            #expect(graph.status == .badGateway)
            #expect(graph.json?["error"]?["code"] == "generalException")
        }
    }

    @Test func delayFaultHoldsTheTokenAnswer() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            try await client.addFault(#"{"kind":"delay","delayMs":150,"endpoint":"token"}"#)
            let clock = ContinuousClock()
            let start = clock.now
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
            #expect(clock.now - start >= .milliseconds(150))
        }
    }

    @Test func identityFaultsValidateAndRoundTrip() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/_sim/faults", method: .post, body: ByteBuffer(string: #"{"kind":"invalidGrant","code":0}"#)
            ) { #expect($0.status == .badRequest) }
            try await client.addFault(#"{"kind":"invalidGrant","code":50076,"endpoint":"token"}"#)
            try await client.execute(uri: "/_sim/faults", method: .get) { response in
                #expect(
                    response.json
                        == [.object([("kind", "invalidGrant"), ("count", 1), ("endpoint", "token"), ("code", 50076)])])
            }
        }
    }

    @Test func requestLogRedactsSecretsButKeepsTheGrantType() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            _ = try await client.simControl("/_sim/devicecode/approve", #"{"userCode":"\#(code.userCode)"}"#)
            let polled = try await client.postForm(
                "/\(testTenant)/oauth2/v2.0/token",
                [
                    ("grant_type", deviceCodeGrantType), ("client_id", testClientID), ("device_code", code.deviceCode),
                    ("code", code.deviceCode),
                ])
            let tokens = try #require(polled.json)
            let refreshToken = try #require(tokens["refresh_token"]?.stringValue)
            let accessToken = try #require(tokens["access_token"]?.stringValue)
            let refreshed = try #require(try await client.refresh(refreshToken, scope: "Mail.Read").json)
            _ = try await client.postForm(
                "/common/oauth2/v2.0/token?refresh_token=\(refreshToken)&x=1",
                [("grant_type", "refresh_token"), ("client_id", testClientID), ("client_secret", "s3cret")],
                headers: [.authorization: "Bearer \(accessToken)"])
            _ = try await client.execute(
                uri: "/beta/copilot/conversations", method: .post, headers: [.authorization: "Bearer \(accessToken)"],
                body: ByteBuffer(string: "{}"))

            let log = await simulator.recordedRequests
            #expect(log.count == 5)
            #expect(log[0].path == "/\(testTenant)/oauth2/v2.0/devicecode")
            #expect(log[0].body["scope"] == .string(graphScopes))
            #expect(log[1].body["grant_type"] == .string(deviceCodeGrantType))
            #expect(log[1].body["device_code"] == .string(RecordedRequest.redacted))
            #expect(log[1].body["code"] == .string(RecordedRequest.redacted))
            #expect(log[2].body["refresh_token"] == .string(RecordedRequest.redacted))
            #expect(log[2].body["scope"] == "Mail.Read")
            #expect(log[3].path == "/common/oauth2/v2.0/token?refresh_token=[redacted]&x=1")
            #expect(log[3].body["client_secret"] == .string(RecordedRequest.redacted))
            #expect(log[3].headers["authorization"] == RecordedRequest.redacted)
            #expect(log.filter { $0.body["grant_type"] == "refresh_token" }.count == 2)

            try await client.execute(uri: "/_sim/requests", method: .get) { response in
                let secrets = [
                    code.deviceCode, refreshToken, accessToken, "s3cret",
                    try #require(refreshed["refresh_token"]?.stringValue),
                    try #require(refreshed["access_token"]?.stringValue),
                ]
                for secret in secrets { #expect(!response.text.contains(secret)) }
                #expect(response.text.contains("refresh_token"))
            }
        }
    }
}

/// The request log is a ring: a long-running demo gateway keeps only the newest requests.
@Suite struct RequestLogLimitTests {
    static func request(_ number: Int) -> RecordedRequest {
        RecordedRequest(method: "POST", path: "/beta/copilot/conversations/\(number)", headers: [:], body: .null)
    }

    @Test func theLogKeepsOnlyTheNewestRequestsOldestFirst() async {
        let simulator = CopilotSimulator(options: .init(requestLogLimit: 3))
        for number in 1...7 { await simulator.record(Self.request(number)) }
        #expect(await simulator.recordedRequests.map(\.path) == (5...7).map { "/beta/copilot/conversations/\($0)" })
        await simulator.clearRecordedRequests()
        await simulator.record(Self.request(8))
        #expect(await simulator.recordedRequests.map(\.path) == ["/beta/copilot/conversations/8"])
    }

    @Test func aLimitOfZeroKeepsEveryRequest() async {
        let simulator = CopilotSimulator(options: .init(requestLogLimit: 0))
        for number in 1...2_500 { await simulator.record(Self.request(number)) }
        #expect(await simulator.recordedRequests.count == 2_500)
        #expect(CopilotSimulator(options: .init()).options.requestLogLimit == 1000)
    }
}
