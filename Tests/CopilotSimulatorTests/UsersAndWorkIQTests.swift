import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

/// Several users (a device code approved as a named user, their tokens, their conversations, faults
/// aimed at one of them) and the Work IQ REST paths beside Graph's.
@Suite struct UsersAndWorkIQTests {
    static let workIQScopes = "api://workiq.svc.cloud.microsoft/WorkIQAgent.Ask offline_access openid profile"

    /// Signs in through a device code approved over `/_sim/devicecode/approve` as `user`; the access token.
    static func signIn(_ client: some TestClientProtocol, as user: String?, scope: String = graphScopes) async throws -> String {
        let code = try await client.requestDeviceCode(scope: scope)
        var approval: [(String, SimulatorJSON)] = [("userCode", .string(code.userCode))]
        if let user { approval.append(("user", .string(user))) }
        let approved = try await client.execute(
            uri: "/_sim/devicecode/approve", method: .post, body: ByteBuffer(string: SimulatorJSON.object(approval).compactText))
        try #require(approved.status == .ok, "\(approved.text)")
        let tokens = try await client.pollDeviceCode(code.deviceCode)
        return try #require(tokens.json?["access_token"]?.stringValue)
    }

    static func headers(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    static func create(_ client: some TestClientProtocol, token: String, base: String = "/beta/copilot") async throws -> TestResponse {
        try await client.execute(uri: "\(base)/conversations", method: .post, headers: headers(token), body: ByteBuffer(string: "{}"))
    }

    @Test func aDeviceCodeApprovedAsAUserGivesThatUsersIDTokenAndTokens() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            #expect(await simulator.approveDeviceCode(userCode: code.userCode, user: "alice@contoso.com"))
            let tokens = try #require(try await client.pollDeviceCode(code.deviceCode).json)
            let idToken = try #require(tokens["id_token"]?.stringValue)
            let claims = try #require(jwtPart(idToken, 1))
            #expect(claims["preferred_username"] == "alice@contoso.com")
            #expect(claims["name"] == "alice")
            #expect(claims["oid"] != .string(IDToken.objectID))
            let refreshToken = try #require(tokens["refresh_token"]?.stringValue)
            let refreshed = try #require(try await client.refresh(refreshToken).json)
            let refreshedID = try #require(refreshed["id_token"]?.stringValue)
            #expect(jwtPart(refreshedID, 1)?["preferred_username"] == "alice@contoso.com")
            let accessToken = try #require(refreshed["access_token"]?.stringValue)
            let created = try await Self.create(client, token: accessToken)
            #expect(created.status == .created)
            #expect(await simulator.recordedRequests.last?.user == "alice@contoso.com")
        }
    }

    @Test func anApprovalWithoutAUserOrAutomaticIsTheDefaultUser() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let token = try await Self.signIn(client, as: nil)
            _ = try await Self.create(client, token: token)
            #expect(await simulator.recordedRequests.last?.user == CopilotSimulator.defaultUser)
            await simulator.setAutoApprove(true, delay: .zero)
            let code = try await client.requestDeviceCode()
            let tokens = try #require(try await client.pollDeviceCode(code.deviceCode).json)
            let idToken = try #require(tokens["id_token"]?.stringValue)
            let claims = try #require(jwtPart(idToken, 1))
            #expect(claims["preferred_username"] == .string(CopilotSimulator.defaultUser))
        }
    }

    @Test func anApprovalWithAMalformedUserIsRefused() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let code = try await client.requestDeviceCode()
            for user in ["alice", "@contoso.com", "a b@contoso.com"] {
                let body = SimulatorJSON.object([("userCode", .string(code.userCode)), ("user", .string(user))]).compactText
                let response = try await client.execute(uri: "/_sim/devicecode/approve", method: .post, body: ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(user)")
            }
        }
    }

    @Test func aConversationOneUserCreatedIsNotFoundForAnother() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let alice = try await Self.signIn(client, as: "alice@contoso.com")
            let bob = try await Self.signIn(client, as: "bob@contoso.com")
            let id = try #require(try await Self.create(client, token: alice).json?["id"]?.stringValue)
            let asBob = try await client.chat(id, chatBody("hello"), headers: Self.headers(bob))
            #expect(asBob.status == .notFound)
            #expect(asBob.json?["error"]?["code"] == "NotFound")
            let asAlice = try await client.chat(id, chatBody("hello"), headers: Self.headers(alice))
            #expect(asAlice.status == .ok)
        }
    }

    @Test func everyRecordedCopilotCallNamesItsUserAndIdentityCallsNone() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let alice = try await Self.signIn(client, as: "alice@contoso.com")
            _ = try await Self.create(client, token: alice)
            _ = try await client.createConversation()  // a fixed test token: no user
            let records = await simulator.recordedRequests
            #expect(records.filter { $0.path.contains("oauth2") }.allSatisfy { $0.user == nil })
            // The device code, its redemption, Alice's creation, the creation with the fixed token.
            try #require(records.count == 4)
            #expect(records[2].path == "/beta/copilot/conversations" && records[2].user == "alice@contoso.com")
            #expect(records[3].path == "/beta/copilot/conversations" && records[3].user == nil)
            let listed = try await client.execute(uri: "/_sim/requests", method: .get)
            let entries = try #require(listed.json?.arrayValue)
            #expect(entries.allSatisfy { $0.objectKeys?.contains("user") == true })
        }
    }

    @Test func aFaultForOneUserLeavesTheOthersAlone() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let alice = try await Self.signIn(client, as: "alice@contoso.com")
            let bob = try await Self.signIn(client, as: "bob@contoso.com")
            try await client.addFault(#"{"kind":"status","status":429,"retryAfter":"7","user":"alice@contoso.com","count":2}"#)
            #expect(try await Self.create(client, token: bob).status == .created)
            let throttled = try await Self.create(client, token: alice)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] == "7")
            #expect(try await Self.create(client, token: bob).status == .created)
            #expect(await simulator.pendingFaults.first?.user == "alice@contoso.com")
            #expect(await simulator.pendingFaults.first?.count == 1)
        }
    }

    @Test func workIQPathsServeTurnsWithItsScopeAndNotGraphsWhenTokensAreChecked() async throws {
        let (simulator, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, checkTokens: true))
        try await app.test(.router) { client in
            let workIQ = try await Self.signIn(client, as: "carol@contoso.com", scope: Self.workIQScopes)
            let graph = try await Self.signIn(client, as: "carol@contoso.com")
            for base in ["/rest", "/rest/beta"] {
                let created = try await Self.create(client, token: workIQ, base: base)
                #expect(created.status == .created)
                let id = try #require(created.json?["id"]?.stringValue)
                let whole = try await client.execute(
                    uri: "\(base)/conversations/\(id)/chat", method: .post, headers: Self.headers(workIQ), body: chatBody("hi"))
                #expect(whole.status == .ok)
                let streamed = try await client.execute(
                    uri: "\(base)/conversations/\(id)/chatOverStream", method: .post, headers: Self.headers(workIQ), body: chatBody("more"))
                #expect(streamed.status == .ok)
                #expect(parseSSE(streamed.text).count > 1)
            }
            #expect(try await Self.create(client, token: graph, base: "/rest").status == .unauthorized)
            #expect(try await Self.create(client, token: workIQ).status == .unauthorized)
            #expect(try await Self.create(client, token: graph).status == .created)
            #expect(await simulator.recordedRequests.filter { $0.path.hasPrefix("/rest/") }.allSatisfy { $0.user == "carol@contoso.com" })
        }
    }

    @Test func workIQRepliesCiteAsReferencesOrAttributionsAsConfigured() async throws {
        let prompt = try #require((0..<40).map { "cite me \($0)" }.first { SimulatedReplies.stableHash($0) % 2 == 0 })
        for style in SimulatorOptions.WorkIQCitations.allCases {
            let (_, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, workIQCitations: style))
            try await app.test(.router) { client in
                let id = try #require(try await Self.create(client, token: "test-token", base: "/rest").json?["id"]?.stringValue)
                let reply = try await client.execute(
                    uri: "/rest/conversations/\(id)/chat", method: .post, headers: bearer, body: chatBody(prompt))
                let message = try #require(reply.json?["messages"]?.arrayValue?.last)
                switch style {
                case .references:
                    #expect(message["attributions"] == nil)
                    #expect(message["references"]?["1"]?["targetLink"] == "https://contoso.sharepoint.com/sim/notes.docx")
                    #expect(message["references"]?["2"]?["isCitedInResponse"] == true)
                case .attributions:
                    #expect(message["references"] == nil)
                    #expect(message["attributions"]?.arrayValue?.count == 2)
                }
                let graphID = try await client.createConversation()
                let graphReply = try await client.chat(graphID, chatBody(prompt))
                #expect(graphReply.json?["messages"]?.arrayValue?.last?["attributions"]?.arrayValue?.count == 2)
            }
        }
    }
}
