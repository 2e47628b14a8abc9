import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct CheckTokensTests {
    private func createConversation(
        _ client: some TestClientProtocol, token: String
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/beta/copilot/conversations", method: .post, headers: [.authorization: "Bearer \(token)"],
            body: ByteBuffer(string: "{}"))
    }

    @Test func issuedTokensAreAcceptedAndUnknownOnesRejected() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, checkTokens: true))
        try await app.test(.router) { client in
            let accessToken = try #require(try await client.signIn()["access_token"]?.stringValue)
            #expect(try await createConversation(client, token: accessToken).status == .created)
            let unknown = try await createConversation(client, token: "test-token")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.json?["error"]?["code"] == "InvalidAuthenticationToken")
            #expect(unknown.json?["error"]?["message"] == "Invalid token.")
        }
    }

    @Test func expiredTokensAreRejectedWithTheExpiryMessage() async throws {
        // Three seconds: a fresh token must still be fresh at its first use when the machine is busy.
        let (_, app) = makeSimulatorApp(
            SimulatorOptions(eventDelay: .zero, accessTokenLifetime: .seconds(3), checkTokens: true))
        try await app.test(.router) { client in
            let tokens = try await client.signIn()
            #expect(tokens["expires_in"] == 3)
            let accessToken = try #require(tokens["access_token"]?.stringValue)
            #expect(try await createConversation(client, token: accessToken).status == .created)
            try await Task.sleep(for: .milliseconds(3100))
            let expired = try await createConversation(client, token: accessToken)
            #expect(expired.status == .unauthorized)
            #expect(expired.json?["error"]?["code"] == "InvalidAuthenticationToken")
            #expect(expired.json?["error"]?["message"] == "Access token has expired or is not yet valid.")
            // A refreshed token works again.
            let refreshToken = try #require(tokens["refresh_token"]?.stringValue)
            let fresh = try #require(try await client.refresh(refreshToken).json?["access_token"]?.stringValue)
            #expect(try await createConversation(client, token: fresh).status == .created)
        }
    }

    @Test func expireControlEndsEveryIssuedToken() async throws {
        let (simulator, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, checkTokens: true))
        try await app.test(.router) { client in
            let accessToken = try #require(try await client.signIn()["access_token"]?.stringValue)
            #expect(try await client.simControl("/_sim/tokens/expire", "").status == .noContent)
            let response = try await createConversation(client, token: accessToken)
            #expect(response.json?["error"]?["message"] == "Access token has expired or is not yet valid.")
            await simulator.revokeRefreshTokens()
            try await client.execute(uri: "/_sim/tokens", method: .get) { response in
                #expect(response.json?["tokensIssued"] == 1)
                #expect(response.json?["deviceCodesIssued"] == 1)
                #expect(response.json?["deviceCodePolls"] == 1)
                #expect(response.json?["refreshGrants"] == 0)
            }
        }
    }

    @Test func withoutTheSwitchAnyBearerTokenWorks() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            #expect(try await createConversation(client, token: "anything-at-all").status == .created)
            let accessToken = try #require(try await client.signIn()["access_token"]?.stringValue)
            #expect(try await createConversation(client, token: accessToken).status == .created)
        }
    }
}
