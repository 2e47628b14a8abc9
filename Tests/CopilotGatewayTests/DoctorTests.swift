import CopilotSimulator
import Foundation
import Testing

@testable import CopilotGateway

/// `copilot-gateway doctor` against the simulator: it finds what is wrong and says how to fix it.
@Suite struct DoctorTests {
    func doctor(_ harness: SignInHarness, account: MicrosoftAccount, extra: [String: String] = [:], now: @escaping @Sendable () -> Date = Date.init) throws -> Doctor {
        let settings = [
            "CLIENT_ID": "test-client", "GRAPH_BASE_URL": harness.simulatorURL, "LOGIN_BASE_URL": harness.simulatorURL,
            "TOKEN_CACHE": harness.cachePath, "STATE_DIR": (harness.cachePath as NSString).deletingLastPathComponent, "COPILOT_TIMEZONE": "Asia/Shanghai",
        ].merging(extra) { $1 }
        let configuration = try GatewayConfiguration(reader: .gateway(environment: settings), environment: ["HOME": "/tmp"])
        return Doctor(configuration: configuration, httpClient: harness.httpClient, account: account, now: now)
    }

    func problems(_ findings: [Doctor.Finding]) -> [String] {
        findings.filter { $0.level == .problem }.map(\.topic)
    }

    @Test func aSignedInGatewayWithAWorkingCopilotHasNoProblems() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            let findings = try await doctor(harness, account: account).run()
            #expect(problems(findings) == [])
            #expect(findings.contains { $0.topic == "copilot" && $0.level == .ok })
            #expect(findings.contains { $0.topic == "clock" && $0.level == .ok })
            #expect(Doctor.report(findings).healthy)
        }
    }

    @Test func aMissingSignInIsAProblemThatNamesTheLoginCommand() async throws {
        try await SignInHarness.run { harness in
            let findings = try await doctor(harness, account: harness.account()).run()
            #expect(problems(findings) == ["sign-in"])
            #expect(findings.first { $0.level == .problem }?.fix?.contains("copilot-gateway login") == true)
            let report = Doctor.report(findings)
            #expect(!report.healthy && report.text.contains("PROBLEM  sign-in"))
        }
    }

    @Test func aClockMinutesOffIsAProblem() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            let findings = try await doctor(harness, account: account, now: { Date().addingTimeInterval(600) }).run()
            #expect(problems(findings) == ["clock"])
            #expect(findings.first { $0.topic == "clock" }?.text.contains("ahead of") == true)
        }
    }

    @Test func copilotRefusingTheAccountPointsAtTheLicenceAndPermissions() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            await harness.simulator.addFault(.init(kind: .status, endpoint: .create, status: 403))
            let findings = try await doctor(harness, account: account).run()
            #expect(problems(findings) == ["copilot"])
            #expect(findings.first { $0.topic == "copilot" }?.fix?.contains("licence") == true)
        }
    }

    @Test func aPublicAddressWithoutKeysIsAProblem() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            let findings = try await doctor(harness, account: account, extra: ["HOST": "0.0.0.0"]).run()
            #expect(problems(findings) == ["settings"])
        }
    }

    @Test func aShutdownGraceLongerThanTheUnitAllowsIsPointedOut() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            let findings = try await doctor(harness, account: account, extra: ["GATEWAY_SHUTDOWN_GRACE_SECONDS": "120"]).run()
            #expect(findings.contains { $0.level == .note && $0.fix?.contains("TimeoutStopSec") == true })
            #expect(problems(findings) == [])
        }
    }
}
