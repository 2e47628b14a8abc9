import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import CopilotGateway

/// The running server with a Microsoft account: sign-in never blocks it, and Graph's 401 is handled.
@Suite struct SignInServerTests {
    /// The gateway live, signing in through the simulator, with Graph checking the tokens it issued.
    func withGateway(
        _ harness: SignInHarness, signsInWhenNeeded: Bool = true, metrics: GatewayMetrics = GatewayMetrics(),
        _ body: @Sendable (any TestClientProtocol, MicrosoftAccount) async throws -> Void
    ) async throws {
        let account = harness.account(signsInWhenNeeded: signsInWhenNeeded, metrics: metrics)
        let access = AdminAccess(adminKey: GatewayHarness.adminKey, loginToken: Self.loginToken)
        let configuration = try GatewayConfiguration(
            reader: .gateway(environment: [
                "PORT": "0", "GRAPH_BASE_URL": harness.simulatorURL, "COPILOT_TIMEZONE": "UTC", "GATEWAY_ADMIN_KEY": GatewayHarness.adminKey,
            ]),
            environment: ["HOME": "/tmp"])
        let dependencies = try await GatewayDependencies.live(
            configuration: configuration, httpClient: harness.httpClient, logger: harness.logs.logger("gateway"), metrics: metrics,
            signIn: .account(account), conversations: MemoryConversationStore(), adminAccess: access)
        let app = try await buildApplication(configuration: configuration, dependencies: dependencies)
        try await Self.$withLoginCookie.withValue([.cookie: "copilot_gateway_login=\(access.openSession())"]) {
            try await app.test(.live) { client in try await body(client, account) }
        }
    }

    /// The secret of the sign-in link these gateways print, and the cookie the link sets.
    static let loginToken = "test-login-token-0123456789abcdef"
    @TaskLocal static var withLoginCookie: HTTPFields = [:]

    static let checking = SimulatorOptions(snapshotCount: 3, eventDelay: .zero, deviceCodeInterval: 1, checkTokens: true)

    @Test func theServerAnswersOtherRequestsWhileASignInWaitsForItsCode() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness) { client, _ in
                // The first chat starts a sign-in and says how to finish it.
                let first = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
                #expect(first.status == .unauthorized)
                let message = try #require(try first.openAIError["message"] as? String)
                let code = try #require(await harness.simulator.deviceCodes.first?.userCode)
                #expect(message.contains("enter the code \(code)"))
                // While nobody enters the code, everything else keeps working at once.
                let started = ContinuousClock.now
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/v1/models", method: .get).status == .ok)
                let page = try await client.execute(uri: "/login", method: .get, headers: Self.withLoginCookie)
                #expect(String(buffer: page.body).contains(code))
                // (Blocked, they would wait for the code until the test gave up; 10 s leaves room for a
                // machine running the whole suite.)
                #expect(ContinuousClock.now - started < .seconds(10))
                // Only one sign-in is started however often requests arrive.
                _ = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
                #expect(await harness.simulator.deviceCodes.count == 1)
                // Once the code is entered, chats go through.
                #expect(await harness.simulator.approveDeviceCode(userCode: code))
                var status = HTTPResponse.Status.unauthorized
                for _ in 0..<100 where status != .ok {
                    try await Task.sleep(for: .milliseconds(20))
                    status = try await client.chat(["messages": [["role": "user", "content": "REPLY `ok` ONLY"]]]).status
                }
                #expect(status == .ok)
                #expect(String(buffer: try await client.execute(uri: "/login", method: .get, headers: Self.withLoginCookie).body).contains("Signed in as"))
            }
        }
    }

    @Test func theLoginPageStartsASignInOnPost() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness, signsInWhenNeeded: false) { client, _ in
                let before = try await client.execute(uri: "/login", method: .get, headers: Self.withLoginCookie)
                #expect(String(buffer: before.body).contains("<form method=\"post\""))
                let posted = try await client.execute(uri: "/login", method: .post, headers: Self.withLoginCookie)
                #expect(posted.status == .seeOther)
                #expect(posted.headers[.location] == "/login")
                let code = try #require(await harness.simulator.deviceCodes.first?.userCode)
                let page = try await client.execute(uri: "/login", method: .get, headers: Self.withLoginCookie)
                #expect(String(buffer: page.body).contains(code))
                #expect(String(buffer: page.body).contains("http-equiv=\"refresh\""))
            }
        }
    }

    @Test func theLoginPageIsRefusedWithoutItsSecretAndStartsNoSignIn() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness, signsInWhenNeeded: false) { client, _ in
                let forwarded: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9"]
                for headers in [[:], forwarded, [.cookie: "copilot_gateway_login=wrong"]] as [HTTPFields] {
                    let response = try await client.execute(uri: "/login", method: .post, headers: headers)
                    #expect(response.status == .forbidden)
                    #expect(try response.openAIError["code"] as? String == "login_secret_required")
                }
                #expect(await harness.simulator.deviceCodes.isEmpty)
            }
        }
    }

    @Test func theSignInLinkFromTheLogWorksOnceSetsASessionCookieAndTheNextLinkIsLogged() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness, signsInWhenNeeded: false) { client, _ in
                // Not signed in: the link is logged as a warning, so it shows at LOG_LEVEL=warning too.
                #expect(harness.logs.text.contains("warning Sign-in page for this server (the link works once; keep it private): http://127.0.0.1:"))
                #expect(harness.logs.text.contains("/login?token=\(Self.loginToken)"))
                let link = try await client.execute(uri: "/login?token=\(Self.loginToken)", method: .get)
                #expect(link.status == .seeOther)
                #expect(link.headers[.location] == "/login")
                let cookie = try #require(link.headers[.setCookie])
                #expect(cookie.hasPrefix("copilot_gateway_login=") && !cookie.contains(Self.loginToken))
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/login") && cookie.contains("Max-Age=43200"))
                let page = try await client.execute(uri: "/login", method: .get, headers: [.cookie: "other=1; \(cookie.split(separator: ";")[0])"])
                #expect(page.status == .ok)
                #expect(String(buffer: page.body).contains("not signed in"))
                // The used link opens nothing any more; a new one went to the log.
                let again = try await client.execute(uri: "/login?token=\(Self.loginToken)", method: .get)
                #expect(again.status == .forbidden)
                let links = harness.logs.text.components(separatedBy: "/login?token=").dropFirst().map { String($0.prefix(64)) }
                #expect(links.count == 2 && links[1] != Self.loginToken)
                let next = try await client.execute(uri: "/login?token=\(links[1])", method: .get)
                #expect(next.status == .seeOther)
            }
        }
    }

    @Test func brokenFramingOnTheLoginPageIsA400NotA500() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness, signsInWhenNeeded: false) { client, _ in
                let request = "POST /login HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(GatewayHarness.adminKey)\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nZZ\r\nreplace=yes\r\n0\r\n\r\n"
                let answer = try await RawHTTP.exchange(port: try #require(client.port), sending: request, within: .seconds(5))
                #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")
                #expect(answer.text.contains(#""code":"malformed_body""#))
                #expect(await harness.simulator.deviceCodes.isEmpty)
            }
        }
    }

    @Test func aSignedInAccountIsReplacedOnlyWhenTheRequestConfirmsIt() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness, signsInWhenNeeded: false) { client, account in
                try await harness.signIn(account)
                let codesBefore = await harness.simulator.deviceCodes.count
                let page = try await client.execute(uri: "/login", method: .get, headers: Self.withLoginCookie)
                #expect(String(buffer: page.body).contains("name=\"replace\" value=\"yes\" required"))
                var form = Self.withLoginCookie
                form[.contentType] = "application/x-www-form-urlencoded"
                let unconfirmed = try await client.execute(uri: "/login", method: .post, headers: form)
                #expect(unconfirmed.status == .conflict)
                #expect(try unconfirmed.openAIError["code"] as? String == "already_signed_in")
                #expect(await harness.simulator.deviceCodes.count == codesBefore)
                #expect(await account.signInProgress == .none)
                let confirmed = try await client.execute(uri: "/login", method: .post, headers: form, body: ByteBuffer(string: "replace=yes"))
                #expect(confirmed.status == .seeOther)
                #expect(await harness.simulator.deviceCodes.count == codesBefore + 1)
            }
        }
    }

    @Test func aGraph401IsAnsweredByOneRefreshAndOneRetry() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness) { client, account in
                try await harness.signIn(account)
                await harness.simulator.addFault(.init(kind: .status, endpoint: .chat, status: 401))
                let response = try await client.chat(["messages": [["role": "user", "content": "REPLY `after refresh` ONLY"]]])
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("after refresh"))
                #expect(try await harness.refreshCount() == 1)
            }
        }
    }

    @Test func tokenRefreshesAreCountedInTheMetrics() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            let metrics = GatewayMetrics()
            try await withGateway(harness, metrics: metrics) { client, account in
                try await harness.signIn(account)
                await harness.simulator.addFault(.init(kind: .status, endpoint: .chat, status: 401))
                #expect(try await client.chat(["messages": [["role": "user", "content": "hi"]]]).status == .ok)
                await harness.simulator.addFault(.init(kind: .status, endpoint: .token, status: 503))
                _ = try? await account.refreshNow()
                let text = PrometheusText(String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin).body))
                #expect(text.value("copilot_gateway_token_refreshes_total", ["outcome": "success"]) == 1)
                #expect(text.value("copilot_gateway_token_refreshes_total", ["outcome": "failure"]) == 1)
            }
        }
    }

    @Test func aSecondGraph401ReachesTheClientAsA401() async throws {
        try await SignInHarness.run(options: Self.checking) { harness in
            try await withGateway(harness) { client, account in
                try await harness.signIn(account)
                await harness.simulator.addFault(.init(kind: .status, count: 2, endpoint: .chat, status: 401))
                let response = try await client.chat(["messages": [["role": "user", "content": "hi"]]])
                #expect(response.status == .unauthorized)
                #expect(try await harness.refreshCount() == 1)
                #expect(!String(buffer: response.body).contains("sim-at-"), "an error body must not carry a token")
            }
        }
    }

    @Test func chatsKeepWorkingAcrossSeveralTokenExpiries() async throws {
        let shortLived = SimulatorOptions(snapshotCount: 2, eventDelay: .zero, accessTokenLifetime: .seconds(1), deviceCodeInterval: 1, checkTokens: true)
        try await SignInHarness.run(options: shortLived) { harness in
            try await withGateway(harness) { client, account in
                try await harness.signIn(account)
                for round in 0..<3 {
                    // The simulator's tokens live one second: real time must pass for Graph to reject them.
                    try await Task.sleep(for: .milliseconds(1100))
                    harness.clock.advance(by: 1.1)
                    let response = try await client.chat(["stream": round % 2 == 1, "messages": [["role": "user", "content": "REPLY `round` ONLY"]]])
                    #expect(response.status == .ok)
                }
                #expect(try await harness.refreshCount() >= 3)
            }
        }
    }
}
