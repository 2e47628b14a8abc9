import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

@Suite struct TokenGrantTests {
    @Test func successBodyHasTheV2ShapeAndADecodableIDToken() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let before = Int(Date().timeIntervalSince1970)
            let tokens = try await client.signIn()
            #expect(
                Set(try #require(tokens.objectKeys)) == [
                    "token_type", "scope", "expires_in", "ext_expires_in", "access_token", "refresh_token", "id_token",
                ])
            #expect(tokens["token_type"] == "Bearer")
            #expect(tokens["scope"] == "https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/Chat.Read")
            #expect(tokens["expires_in"] == 3600)
            #expect(tokens["ext_expires_in"] == 3600)
            #expect(tokens["access_token"]?.stringValue?.hasPrefix("sim-at-") == true)
            #expect(tokens["refresh_token"]?.stringValue?.hasPrefix("sim-rt-") == true)

            let idToken = try #require(tokens["id_token"]?.stringValue)
            #expect(idToken.hasSuffix("."))
            #expect(jwtPart(idToken, 0) == .object([("alg", "none"), ("typ", "JWT")]))
            let claims = try #require(jwtPart(idToken, 1))
            #expect(claims["aud"] == .string(testClientID))
            #expect(claims["tid"] == .string(testTenant))
            #expect(claims["iss"] == .string("https://login.microsoftonline.com/\(testTenant)/v2.0"))
            #expect(claims["oid"] == .string(IDToken.objectID))
            #expect(claims["name"] == "Simulated User")
            #expect(claims["preferred_username"] == "simulated.user@contoso.onmicrosoft.com")
            let issuedAt = try #require(claims["iat"]?.numberValue)
            #expect(issuedAt >= Double(before))
            #expect(claims["exp"]?.numberValue == issuedAt + 3600)
        }
    }

    @Test func tenantIDFallsBackForNonGUIDTenantsAndTheUserStaysTheSame() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            var objectIDs: Set<String> = []
            for tenant in ["organizations", "contoso.onmicrosoft.com"] {
                let idToken = try #require(try await client.signIn(tenant: tenant)["id_token"]?.stringValue)
                let claims = try #require(jwtPart(idToken, 1))
                #expect(claims["tid"] == .string(IDToken.fallbackTenantID))
                #expect(claims["iss"] == .string("https://login.microsoftonline.com/\(IDToken.fallbackTenantID)/v2.0"))
                objectIDs.insert(try #require(claims["oid"]?.stringValue))
            }
            #expect(objectIDs.count == 1)
        }
    }

    @Test func refreshTokenOnlyWithOfflineAccessAndIDTokenOnlyWithOpenID() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let plain = try await client.signIn(scope: "Mail.Read")
            #expect(plain["refresh_token"] == nil)
            #expect(plain["id_token"] == nil)
            #expect(plain["scope"] == "https://graph.microsoft.com/Mail.Read")
            let offline = try await client.signIn(scope: "Mail.Read offline_access")
            #expect(offline["refresh_token"] != nil)
            #expect(offline["id_token"] == nil)
            let openID = try await client.signIn(scope: "Mail.Read openid profile")
            #expect(openID["refresh_token"] == nil)
            #expect(openID["id_token"] != nil)
        }
    }

    @Test func oneTokenCoversOnlyTheFirstResource() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let tokens = try await client.signIn(
                scope: "api://workiq.svc.cloud.microsoft/.default https://graph.microsoft.com/Mail.Read offline_access")
            #expect(tokens["scope"] == "api://workiq.svc.cloud.microsoft/.default")
            // The refresh token still carries the Graph permission.
            let refreshToken = try #require(tokens["refresh_token"]?.stringValue)
            let graph = try await client.refresh(refreshToken, scope: "Mail.Read offline_access")
            #expect(graph.json?["scope"] == "https://graph.microsoft.com/Mail.Read")
        }
    }

    @Test func refreshRotatesAndTheOldTokenStaysValidByDefault() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let first = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            let response = try await client.refresh(first)
            #expect(response.status == .ok)
            let body = try #require(response.json)
            let second = try #require(body["refresh_token"]?.stringValue)
            #expect(second != first)
            #expect(second.hasPrefix("sim-rt-"))
            #expect(body["scope"] == "https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/Chat.Read")
            #expect(body["id_token"] != nil)
            #expect(try await client.refresh(first).status == .ok)
            #expect(try await client.refresh(second).status == .ok)
            #expect(await simulator.refreshGrantCount == 3)
            #expect(await simulator.issuedTokenCount == 4)
        }
    }

    @Test func rotatedRefreshTokensAreRevokedWithTheOption() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, revokeRotatedRefreshTokens: true))
        try await app.test(.router) { client in
            let first = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            let second = try #require(try await client.refresh(first).json?["refresh_token"]?.stringValue)
            try expectEntraError(try await client.refresh(first), "invalid_grant", code: 70000)
            #expect(try await client.refresh(second).status == .ok)
        }
    }

    @Test func unknownRefreshTokenOrOtherClientIsInvalidGrant() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            try expectEntraError(try await client.refresh("sim-rt-made-up"), "invalid_grant", code: 70000)
            let token = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            try expectEntraError(try await client.refresh(token, clientID: "another-app"), "invalid_grant", code: 70000)
            let missing = try await client.postForm(
                "/common/oauth2/v2.0/token", [("client_id", testClientID), ("grant_type", "refresh_token")])
            try expectEntraError(missing, "invalid_request", code: 900144)
        }
    }

    @Test func revokingAllRefreshTokensGives50173() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let token = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            #expect(try await client.simControl("/_sim/tokens/revoke", "").status == .noContent)
            try expectEntraError(try await client.refresh(token), "invalid_grant", code: 50173)
        }
    }

    @Test func invalidGrantFaultDefaultsTo700082WithTheRealText() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let token = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            try await client.addFault(#"{"kind":"invalidGrant"}"#)
            let body = try expectEntraError(try await client.refresh(token), "invalid_grant", code: 700082)
            let description = try #require(body["error_description"]?.stringValue)
            #expect(description.hasPrefix("AADSTS700082: The refresh token has expired due to inactivity."))
            #expect(description.contains("was inactive for 90.00:00:00."))
            #expect(try await client.refresh(token).status == .ok)
            #expect(await simulator.pendingFaults.isEmpty)
        }
    }

    @Test(arguments: [50173, 70000, 65001, 70043])
    func invalidGrantFaultTakesAChosenCode(code: Int) async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let token = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            try await client.addFault(#"{"kind":"invalidGrant","code":\#(code),"count":2,"endpoint":"token"}"#)
            // Device-code polls and Graph calls leave the fault alone.
            let code2 = try await client.requestDeviceCode()
            try expectEntraError(try await client.pollDeviceCode(code2.deviceCode), "authorization_pending", code: 70016)
            #expect(await simulator.pendingFaults.first?.count == 2)
            for _ in 0..<2 {
                try expectEntraError(try await client.refresh(token), "invalid_grant", code: code)
            }
            #expect(try await client.refresh(token).status == .ok)
        }
    }

    @Test func refreshScopeMustBeASubsetOfTheGrant() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let token = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            // Short names, other case, OIDC scopes: still the same grant.
            let subset = try await client.refresh(token, scope: "mail.read openid profile offline_access")
            #expect(subset.status == .ok)
            #expect(subset.json?["scope"] == "https://graph.microsoft.com/mail.read")
            let superset = try await client.refresh(token, scope: "Mail.Read Sites.Read.All offline_access")
            try expectEntraError(superset, "invalid_scope", code: 70011)
            let other = try await client.refresh(token, scope: "api://workiq.svc.cloud.microsoft/WorkIQAgent.Ask")
            try expectEntraError(other, "invalid_scope", code: 70011)
        }
    }

    @Test func defaultMixedWithExplicitScopesIsInvalidScopeOnBothEndpoints() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let mixed = "https://graph.microsoft.com/.default Mail.Read offline_access"
            let devicecode = try await client.postForm(
                "/common/oauth2/v2.0/devicecode", [("client_id", testClientID), ("scope", mixed)])
            try expectEntraError(devicecode, "invalid_scope", code: 70011)
            // `.default` alone, with the OIDC scopes, is fine; so is a refresh with `.default`.
            let tokens = try await client.signIn(scope: "https://graph.microsoft.com/.default offline_access openid profile")
            #expect(tokens["scope"] == "https://graph.microsoft.com/.default")
            let token = try #require(tokens["refresh_token"]?.stringValue)
            try expectEntraError(try await client.refresh(token, scope: mixed), "invalid_scope", code: 70011)
            #expect(try await client.refresh(token, scope: "https://graph.microsoft.com/.default openid").status == .ok)
        }
    }

    @Test func clientSecretIsRejectedForThePublicClient() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let token = try #require(try await client.signIn()["refresh_token"]?.stringValue)
            let refresh = try await client.postForm(
                "/common/oauth2/v2.0/token",
                [
                    ("client_id", testClientID), ("grant_type", "refresh_token"), ("refresh_token", token),
                    ("client_secret", "s3cret"),
                ])
            let body = try expectEntraError(refresh, "invalid_client", code: 700025)
            #expect(
                body["error_description"]?.stringValue?.hasPrefix(
                    "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented."
                ) == true)
            let devicecode = try await client.postForm(
                "/common/oauth2/v2.0/devicecode",
                [("client_id", testClientID), ("scope", graphScopes), ("client_secret", "s3cret")])
            try expectEntraError(devicecode, "invalid_client", code: 700025)
            #expect(await simulator.issuedTokenCount == 1)
        }
    }

    @Test func unknownOrMissingGrantTypeIsRejected() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let password = try await client.postForm(
                "/common/oauth2/v2.0/token", [("client_id", testClientID), ("grant_type", "password")])
            try expectEntraError(password, "unsupported_grant_type", code: 70003)
            let none = try await client.postForm("/common/oauth2/v2.0/token", [("client_id", testClientID)])
            try expectEntraError(none, "invalid_request", code: 900144)
        }
    }

    @Test func accessTokenLifetimeFollowsTheOption() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, accessTokenLifetime: .seconds(90)))
        try await app.test(.router) { client in
            let tokens = try await client.signIn()
            #expect(tokens["expires_in"] == 90)
            #expect(tokens["ext_expires_in"] == 90)
        }
    }
}
