import CopilotSimulator
import Foundation
import HTTPTypes
import Testing

@testable import CopilotGateway

/// Device-code sign-in against the simulator's identity endpoints: every polling outcome.
@Suite struct DeviceCodeSignInTests {
    @Test func anApprovedCodeSignsInAndSavesAPrivateCache() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            let signIn = try await harness.signIn(account)
            #expect(signIn.account?.name == "Simulated User")
            #expect(signIn.account?.username == "simulated.user@contoso.onmicrosoft.com")
            #expect(signIn.refreshToken != nil)
            let saved = try #require(try harness.cache.load())
            #expect(saved.refreshToken == signIn.refreshToken)
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: harness.cachePath)[.posixPermissions] as? Int)
            #expect(mode == 0o600)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: (harness.cachePath as NSString).deletingLastPathComponent)
            #expect(leftovers == ["token-cache.json"], "no temporary file may remain")
            #expect(try await account.accessToken() == signIn.accessToken)
        }
    }

    @Test func aPendingCodeIsPolledAtTheGivenIntervalUntilApproved() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            async let signIn = account.signIn { _ in }
            // Let a few polls find the code pending, then approve it.
            for _ in 0..<500 where await harness.simulator.identityCounters.deviceCodePolls < 3 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let code = try #require(await harness.simulator.deviceCodes.first?.userCode)
            #expect(await harness.simulator.approveDeviceCode(userCode: code))
            _ = try await signIn
            let pauses = harness.sleeps.all
            #expect(pauses.count >= 3)
            #expect(pauses.allSatisfy { $0 == .seconds(1) })
            #expect(try await harness.requests(grantType: "urn:ietf:params:oauth:grant-type:device_code") == pauses.count)
        }
    }

    @Test func slowDownAddsFiveSecondsToTheInterval() async throws {
        try await SignInHarness.run { harness in
            await harness.simulator.addFault(.init(kind: .slowDown, count: 1, endpoint: .token))
            let account = harness.account()
            async let signIn = account.signIn { _ in }
            for _ in 0..<500 where await harness.simulator.identityCounters.deviceCodePolls < 3 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let code = try #require(await harness.simulator.deviceCodes.first?.userCode)
            _ = await harness.simulator.approveDeviceCode(userCode: code)
            _ = try await signIn
            let pauses = harness.sleeps.all
            #expect(pauses.first == .seconds(1))
            #expect(pauses.dropFirst().allSatisfy { $0 == .seconds(6) })
        }
    }

    @Test func aDeclinedSignInStopsWithDeclined() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            await #expect(throws: IdentityError.declined) {
                try await account.signIn { [simulator = harness.simulator] grant in
                    _ = await simulator.declineDeviceCode(userCode: grant.userCode)
                }
            }
            let saved = try harness.cache.load()
            #expect(saved == nil)
        }
    }

    @Test func anExpiredCodeStopsWithExpired() async throws {
        try await SignInHarness.run { harness in
            await harness.simulator.addFault(.init(kind: .expiredToken, endpoint: .token))
            await #expect(throws: IdentityError.expired) { try await harness.account().signIn { _ in } }
        }
    }

    @Test func aCodeThatOutlivesItsLifetimeStopsWithExpired() async throws {
        try await SignInHarness.run(options: .init(deviceCodeLifetime: .seconds(1), deviceCodeInterval: 1)) { harness in
            // The fast sleeper makes the gateway's own count of the lifetime run out after one poll.
            await #expect(throws: IdentityError.expired) { try await harness.account().signIn { _ in } }
        }
    }

    @Test func anUnknownDeviceCodeIsABadVerificationCode() async throws {
        try await SignInHarness.run { harness in
            let grant = DeviceCodeGrant(deviceCode: "not-issued", userCode: "XXXX", verificationURI: "https://microsoft.com/devicelogin", expiresIn: 900, interval: 1, message: nil)
            await #expect(throws: IdentityError.badVerificationCode) { try await harness.identity.redeemDeviceCode(grant) }
        }
    }

    @Test func aRefusedRequestNamesTheOAuthError() async throws {
        try await SignInHarness.run { harness in
            do {
                _ = try await harness.identity.requestDeviceCode(scopes: ["https://graph.microsoft.com/.default", "https://graph.microsoft.com/Mail.Read"])
                Issue.record("mixing .default with explicit scopes must be refused")
            } catch {
                guard case .rejected(let oauthError, let detail)? = error as? IdentityError else { throw error }
                #expect(oauthError == "invalid_scope")
                #expect(detail.hasPrefix("AADSTS70011"))
                #expect(!detail.contains("Trace ID"))
            }
        }
    }

    @Test func anUnreachableIdentityPlatformIsUnavailable() async throws {
        try await SignInHarness.run { harness in
            let identity = IdentityClient(httpClient: harness.httpClient, baseURL: "http://127.0.0.1:1", tenant: "organizations", clientID: "c", logger: harness.logs.logger("identity"))
            do {
                _ = try await identity.requestDeviceCode(scopes: ["openid"])
                Issue.record("expected a failure")
            } catch {
                guard case .unavailable? = error as? IdentityError else { throw error }
            }
        }
    }
}

/// Access tokens: refresh ahead of expiry, single flight, rotation, sign-out on invalid_grant, backoff.
@Suite struct TokenRefreshTests {
    @Test func aFreshTokenIsServedWithoutARefresh() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            let signIn = try await harness.signIn(account)
            harness.clock.advance(by: 600)
            #expect(try await account.accessToken() == signIn.accessToken)
            #expect(try await harness.refreshCount() == 0)
        }
    }

    @Test func theTokenIsRefreshedAheadOfExpiryAndTheRotatedRefreshTokenSaved() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            let signIn = try await harness.signIn(account)
            // 3600 s tokens are refreshed in their last five minutes.
            harness.clock.advance(by: 3600 - 200)
            let token = try await account.accessToken()
            #expect(token != signIn.accessToken)
            #expect(try await harness.refreshCount() == 1)
            let saved = try #require(try harness.cache.load())
            #expect(saved.accessToken == token)
            #expect(saved.refreshToken != nil && saved.refreshToken != signIn.refreshToken)
        }
    }

    @Test func concurrentRequestsWithAnExpiredTokenShareOneRefresh() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            harness.clock.advance(by: 7200)
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await account.accessToken() } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1)
            #expect(try await harness.refreshCount() == 1)
        }
    }

    @Test func invalidGrantSignsTheAccountOutWithTheReason() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            await harness.simulator.addFault(.init(kind: .invalidGrant, endpoint: .token))
            harness.clock.advance(by: 7200)
            do {
                _ = try await account.accessToken()
                Issue.record("expected not signed in")
            } catch let error as UpstreamError {
                guard case .notSignedIn(let message) = error else { throw error }
                #expect(message.contains("AADSTS700082"))
                #expect(message.contains("copilot-gateway login"))
            }
            let saved = try #require(try harness.cache.load())
            #expect(saved.refreshToken == nil && saved.accessToken == nil)
            #expect(saved.signedOutReason?.contains("AADSTS700082") == true)
        }
    }

    @Test func aFailingRefreshKeepsTheStillValidTokenAndBacksOff() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            let signIn = try await harness.signIn(account)
            await harness.simulator.addFault(.init(kind: .status, count: 5, endpoint: .token, status: 503))
            harness.clock.advance(by: 3600 - 100)  // inside the refresh margin, not yet expired
            #expect(try await account.accessToken() == signIn.accessToken)
            #expect(try await account.accessToken() == signIn.accessToken)
            #expect(try await harness.refreshCount() == 1, "the second call must wait for the backoff")
            harness.clock.advance(by: 2)
            #expect(try await account.accessToken() == signIn.accessToken)
            #expect(try await harness.refreshCount() == 2)
        }
    }

    @Test func aFailingRefreshOfAnExpiredTokenIsATemporaryError() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            try await harness.signIn(account)
            await harness.simulator.addFault(.init(kind: .status, endpoint: .token, status: 500))
            harness.clock.advance(by: 7200)
            await #expect {
                try await account.accessToken()
            } throws: { error in
                guard case .signInUnavailable = error as? UpstreamError else { return false }
                return (error as? UpstreamError)?.failure.status == 503
            }
            // Once Microsoft answers again, the account works without a new sign-in.
            harness.clock.advance(by: 5)
            #expect(try await account.accessToken().isEmpty == false)
        }
    }

    @Test func aRefreshWhoseCacheWriteFailsStillServesTheNewToken() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            let signIn = try await harness.signIn(account)
            // Put a file where the cache's folder was: the next save cannot succeed (even as root).
            let folder = (harness.cachePath as NSString).deletingLastPathComponent
            try FileManager.default.removeItem(atPath: folder)
            try Data().write(to: URL(fileURLWithPath: folder))
            harness.clock.advance(by: 7200)
            let token = try await account.accessToken()
            #expect(token != signIn.accessToken)
            #expect(harness.logs.text.contains("Could not save the refreshed tokens"))
            try FileManager.default.removeItem(atPath: folder)
        }
    }

    @Test func aSignInWrittenByAnotherProcessIsPickedUp() async throws {
        try await SignInHarness.run { harness in
            let server = harness.account()
            await #expect(throws: UpstreamError.self) { try await server.accessToken() }
            // `copilot-gateway login` in another process writes the cache.
            let cli = harness.account()
            let signIn = try await harness.signIn(cli)
            #expect(try await server.accessToken() == signIn.accessToken)
        }
    }
}

/// The token cache file under damage and misuse.
@Suite struct TokenCacheTests {
    @Test func aCorruptCacheIsReportedClearlyAndReplacedByTheNextSignIn() async throws {
        try await SignInHarness.run { harness in
            try FileManager.default.createDirectory(atPath: (harness.cachePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data("{ this is not json".utf8).write(to: URL(fileURLWithPath: harness.cachePath))
            let account = harness.account()
            #expect(await account.cacheError == .corrupt(path: harness.cachePath))
            do {
                _ = try await account.accessToken()
                Issue.record("expected not signed in")
            } catch let error as UpstreamError {
                guard case .notSignedIn(let message) = error else { throw error }
                #expect(message.contains("is not a token cache"))
            }
            try await harness.signIn(account)
            #expect(try harness.cache.load()?.refreshToken != nil)
            #expect(try String(contentsOfFile: harness.cachePath + ".corrupt", encoding: .utf8) == "{ this is not json")
        }
    }

    @Test func anUnreadableCacheIsReportedNotFatal() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unreadable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A directory where the file should be cannot be read as a cache.
        let path = folder.appendingPathComponent("token-cache.json").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        #expect(throws: TokenCacheError.self) { try TokenCacheFile(path: path).load() }
    }

    @Test func theCacheIsCheckedWritableBeforeASignInAndNothingIsLeftBehind() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cache-check-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try TokenCacheFile(path: folder + "/state/token-cache.json").checkWritable()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/state").isEmpty)
        // A folder that cannot exist (its parent is a file): the check fails before anyone signs in.
        #expect(throws: TokenCacheError.self) { try TokenCacheFile(path: "/dev/null/token-cache.json").checkWritable() }
    }

    @Test func aCacheMadeReadableToOthersIsMadePrivateAgain() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("perm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cache = TokenCacheFile(path: folder.appendingPathComponent("c.json").path)
        try cache.save(CachedSignIn(tenant: "t", clientID: "c", scopes: [], updatedAt: Date()))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: cache.path)
        _ = try cache.load()
        #expect(try FileManager.default.attributesOfItem(atPath: cache.path)[.posixPermissions] as? Int == 0o600)
    }

    @Test func aCacheOfAnotherApplicationIsNotUsed() async throws {
        try await SignInHarness.run { harness in
            try harness.cache.save(CachedSignIn(tenant: "organizations", clientID: "other-app", scopes: [], refreshToken: "x", updatedAt: Date()))
            await #expect(throws: UpstreamError.self) { try await harness.account().accessToken() }
        }
    }
}

/// A sign-in another process ends is not brought back by the running account's next refresh.
@Suite struct SignOutElsewhereTests {
    @Test func aLogoutByAnotherProcessIsNotUndoneByTheNextRefresh() async throws {
        try await SignInHarness.run { harness in
            let account = harness.account()
            _ = try await harness.signIn(account)
            try harness.cache.remove()  // what `copilot-gateway logout` does
            harness.clock.advance(by: 3600)
            await #expect(throws: UpstreamError.self) { try await account.accessToken() }
            #expect(!FileManager.default.fileExists(atPath: harness.cachePath), "the refresh wrote the cache back")
            #expect(try await harness.refreshCount() == 0)
            #expect(await account.isSignedIn == false)
        }
    }
}
