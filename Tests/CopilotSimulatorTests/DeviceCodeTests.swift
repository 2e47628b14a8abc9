import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct DeviceCodeTests {
    @Test func devicecodeAnswersTheDocumentedFieldsForAnyTenant() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            for tenant in [testTenant, "contoso.onmicrosoft.com", "organizations", "common"] {
                let code = try await client.requestDeviceCode(tenant: tenant)
                let keys = try #require(code.body.objectKeys)
                #expect(Set(keys) == ["user_code", "device_code", "verification_uri", "expires_in", "interval", "message"])
                #expect(code.userCode.count == 8)
                #expect(code.userCode.allSatisfy { IdentityRandom.userCodeAlphabet.contains($0) })
                #expect(code.deviceCode.count > 100)
                #expect(code.body["verification_uri"] == "https://microsoft.com/devicelogin")
                #expect(code.body["expires_in"] == 900)
                #expect(code.body["interval"] == 5)
                #expect(
                    code.body["message"] == .string(
                        "To sign in, use a web browser to open the page https://microsoft.com/devicelogin "
                            + "and enter the code \(code.userCode) to authenticate."))
            }
            let listed = await simulator.deviceCodes
            #expect(listed.count == 4)
            #expect(listed.map(\.tenant) == [testTenant, "contoso.onmicrosoft.com", "organizations", "common"])
            #expect(listed.allSatisfy { $0.status == .pending && $0.clientId == testClientID && $0.scope == graphScopes })
        }
    }

    @Test func lifetimeAndIntervalFollowTheOptions() async throws {
        let (_, app) = makeSimulatorApp(
            SimulatorOptions(eventDelay: .zero, deviceCodeLifetime: .seconds(120), deviceCodeInterval: 2))
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            #expect(code.body["expires_in"] == 120)
            #expect(code.body["interval"] == 2)
        }
    }

    @Test func missingClientIDOrScopeIsInvalidRequest() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let noClient = try await client.postForm("/common/oauth2/v2.0/devicecode", [("scope", graphScopes)])
            let body = try expectEntraError(noClient, "invalid_request", code: 900144)
            #expect(body["error_description"]?.stringValue?.contains("'client_id'") == true)
            let noScope = try await client.postForm("/common/oauth2/v2.0/devicecode", [("client_id", testClientID)])
            try expectEntraError(noScope, "invalid_request", code: 900144)
            let poll = try await client.postForm(
                "/common/oauth2/v2.0/token", [("grant_type", deviceCodeGrantType), ("device_code", "x")])
            try expectEntraError(poll, "invalid_request", code: 900144)
        }
    }

    @Test func pollBeforeApprovalIsAuthorizationPending() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            for _ in 0..<3 {
                try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
            }
            #expect(await simulator.identityCounters.deviceCodePolls == 3)
            #expect(await simulator.issuedTokenCount == 0)
        }
    }

    @Test func entraErrorsCarryTraceCorrelationAndTimestamp() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            let response = try await client.pollDeviceCode(code.deviceCode, headers: [.clientRequestID: "corr-42"])
            let body = try expectEntraError(response, "authorization_pending", code: 70016)
            let keys = try #require(body.objectKeys)
            #expect(
                Set(keys) == [
                    "error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri",
                ])
            let traceID = try #require(body["trace_id"]?.stringValue)
            #expect(UUID(uuidString: traceID) != nil)
            #expect(response.headers[.msRequestID] == traceID)
            #expect(body["correlation_id"] == "corr-42")
            #expect(response.headers[.clientRequestID] == "corr-42")
            let timestamp = try #require(body["timestamp"]?.stringValue)
            #expect(timestamp.wholeMatch(of: /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z/) != nil)
            #expect(body["error_uri"] == "https://login.microsoftonline.com/error?code=70016")
            let lines = try #require(body["error_description"]?.stringValue).components(separatedBy: "\r\n")
            #expect(lines.count == 4)
            #expect(
                lines[0]
                    == "AADSTS70016: The provided request has not yet been authorized by the user. "
                    + "The user must input their code.")
            #expect(lines[1] == "Trace ID: \(traceID)")
            #expect(lines[2] == "Correlation ID: corr-42")
            #expect(lines[3] == "Timestamp: \(timestamp)")
        }
    }

    @Test func pollingFasterThanTheIntervalGetsSlowDownWhenEnforced() async throws {
        // An interval of 3 s: the second poll comes sooner even on a machine running the whole suite.
        let (_, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, deviceCodeInterval: 3, enforceSlowDown: true))
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "slow_down", code: 70017)
            try await Task.sleep(for: .milliseconds(3100))
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
        }
    }

    @Test func fastPollingIsOnlyPendingWithoutEnforcement() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            for _ in 0..<2 {
                try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
            }
        }
    }

    @Test func slowDownFaultHitsOnlyTheNextDeviceCodePolls() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try await client.addFault(#"{"kind":"slowDown","count":2}"#)
            let code = try await client.requestDeviceCode()
            // A refresh grant and a Graph call do not use up device-code faults.
            try expectEntraError(try await client.refresh("sim-rt-unknown"), "invalid_grant", code: 70000)
            #expect(try await client.execute(uri: "/beta/copilot/conversations", method: .post, headers: bearer).status == .created)
            #expect(await simulator.pendingFaults.first?.count == 2)
            #expect(await simulator.approveDeviceCode(userCode: code.userCode))
            for _ in 0..<2 {
                try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "slow_down", code: 70017)
            }
            #expect(try await client.pollDeviceCode(code.deviceCode).status == .ok)
            #expect(await simulator.pendingFaults.isEmpty)
        }
    }

    @Test func declinedCodeGetsAuthorizationDeclined() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            let decline = try await client.simControl("/_sim/devicecode/decline", #"{"userCode":"\#(code.userCode)"}"#)
            #expect(decline.status == .ok)
            #expect(decline.json?["status"] == "declined")
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_declined", code: 70020)
            #expect(await simulator.deviceCodes.first?.status == .declined)
            #expect(await simulator.approveDeviceCode(userCode: code.userCode) == false)
        }
    }

    @Test func codePastItsLifetimeGetsExpiredToken() async throws {
        let (simulator, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, deviceCodeLifetime: .seconds(1)))
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            #expect(code.body["expires_in"] == 1)
            try await Task.sleep(for: .milliseconds(1100))
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "expired_token", code: 70019)
            #expect(await simulator.deviceCodes.first?.status == .expired)
            let late = try await client.simControl("/_sim/devicecode/approve", #"{"userCode":"\#(code.userCode)"}"#)
            #expect(late.status == .conflict)
            #expect(late.json?["error"]?["message"]?.stringValue?.contains("expired") == true)
        }
    }

    @Test func expiredTokenFaultHitsTheNextPoll() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            try await client.addFault(#"{"kind":"expiredToken","endpoint":"token"}"#)
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "expired_token", code: 70019)
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
        }
    }

    @Test func unknownDeviceCodeIsBadVerificationCode() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let response = try await client.pollDeviceCode("not-a-code")
            try expectEntraError(response, "bad_verification_code", code: 70018)
            #expect(response.json?["trace_id"] != nil)
        }
    }

    @Test func approvedCodeGivesTokensOnceThenIsConsumed() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            #expect(await simulator.approveDeviceCode(userCode: code.userCode.lowercased()))
            #expect(await simulator.deviceCodes.first?.status == .approved)
            // MSAL sends the device code as `code` too; either field is enough.
            let success = try await client.postForm(
                "/\(testTenant)/oauth2/v2.0/token",
                [("grant_type", deviceCodeGrantType), ("client_id", testClientID), ("code", code.deviceCode)])
            #expect(success.status == .ok)
            #expect(success.headers[.cacheControl]?.contains("no-store") == true)
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "bad_verification_code", code: 90120)
            #expect(await simulator.deviceCodes.first?.status == .consumed)
            #expect(await simulator.issuedTokenCount == 1)
        }
    }

    @Test func pollFromAnotherClientIsInvalidGrant() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            _ = try await client.simControl("/_sim/devicecode/approve", #"{"userCode":"\#(code.userCode)"}"#)
            try expectEntraError(
                try await client.pollDeviceCode(code.deviceCode, clientID: "someone-else"), "invalid_grant", code: 70000)
            #expect(try await client.pollDeviceCode(code.deviceCode).status == .ok)
        }
    }

    @Test func approvingAnUnknownUserCodeIs404() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let response = try await client.simControl("/_sim/devicecode/approve", #"{"userCode":"ZZZZ9999"}"#)
            #expect(response.status == .notFound)
            #expect(response.json?["error"]?["message"]?.stringValue?.contains("ZZZZ9999") == true)
            #expect(try await client.simControl("/_sim/devicecode/approve", "{}").status == .badRequest)
            #expect(try await client.simControl("/_sim/devicecode/decline", #"{"userCode":"ZZZZ9999"}"#).status == .notFound)
            #expect(await simulator.approveDeviceCode(userCode: "ZZZZ9999") == false)
        }
    }

    @Test func listingNeverShowsTheDeviceCode() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            try await client.execute(uri: "/_sim/devicecodes", method: .get) { response in
                let entry = try #require(response.json?.arrayValue?.first)
                #expect(entry["userCode"] == .string(code.userCode))
                #expect(entry["clientId"] == .string(testClientID))
                #expect(entry["scope"] == .string(graphScopes))
                #expect(entry["status"] == "pending")
                #expect(entry["issuedDateTime"]?.stringValue?.hasSuffix("Z") == true)
                #expect(!response.text.contains(code.deviceCode))
            }
        }
    }

    @Test func autoApproveThroughTheControlEndpoint() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let earlier = try await client.requestDeviceCode()
            let on = try await client.simControl("/_sim/devicecode/approve", #"{"auto":true,"delayMs":0}"#)
            #expect(on.json == .object([("auto", true), ("delayMs", 0)]))
            // Codes issued before the switch are approved too.
            #expect(try await client.pollDeviceCode(earlier.deviceCode).status == .ok)
            let later = try await client.requestDeviceCode()
            #expect(try await client.pollDeviceCode(later.deviceCode).status == .ok)
            _ = try await client.simControl("/_sim/devicecode/approve", #"{"auto":false}"#)
            let manual = try await client.requestDeviceCode()
            try expectEntraError(try await client.pollDeviceCode(manual.deviceCode), "authorization_pending", code: 70016)
            #expect(await simulator.deviceCodes.map(\.status) == [.consumed, .consumed, .pending])
        }
    }

    @Test func autoApproveOptionWaitsForTheDelay() async throws {
        #expect(SimulatorOptions().autoApproveDelay == .milliseconds(200))
        let (simulator, app) = makeSimulatorApp(
            SimulatorOptions(eventDelay: .zero, autoApprove: true, autoApproveDelay: .milliseconds(800)))
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            try expectEntraError(try await client.pollDeviceCode(code.deviceCode), "authorization_pending", code: 70016)
            try await Task.sleep(for: .milliseconds(900))
            #expect(try await client.pollDeviceCode(code.deviceCode).status == .ok)
            await simulator.setAutoApprove(false, delay: .zero)
            _ = try await client.requestDeviceCode()
            try await Task.sleep(for: .milliseconds(250))
            #expect(await simulator.deviceCodes.last?.status == .pending)
        }
    }
}

extension SimulatorJSON {
    /// The keys of an object (sorted when parsed: the decoder loses the order).
    var objectKeys: [String]? {
        guard case .object(let members) = self else { return nil }
        return members.map(\.0)
    }
}
