import Foundation
import Logging

extension MicrosoftAccount {
    /// Signs in with a device code in the caller's task (the CLI): `show` gets the code to display,
    /// and the call returns once the person has entered it.
    public func signIn(show: @Sendable (DeviceCodeGrant) async -> Void) async throws -> CachedSignIn {
        let grant = try await identity.requestDeviceCode(scopes: settings.scopes)
        await show(grant)
        let response = try await DeviceCodePolling.waitForApproval(grant, client: identity, sleep: sleep)
        return try complete(response)
    }

    /// Starts a device-code sign-in in the background, unless one is already waiting, and returns
    /// where it stands. Requests go on being served meanwhile; the log shows the code.
    /// Concurrent callers share one start, and a failed start is not repeated within 30 seconds.
    public func beginSignIn() async -> SignInProgress {
        if case .waiting(_, let expiry) = progress, expiry > now() { return progress }
        if let signInStart { return await signInStart.value }
        if case .failed = progress, let lastSignInStart, now().timeIntervalSince(lastSignInStart) < 30 { return progress }
        lastSignInStart = now()
        let start = Task { await self.startSignIn() }
        signInStart = start
        defer { signInStart = nil }
        return await start.value
    }

    private func startSignIn() async -> SignInProgress {
        let grant: DeviceCodeGrant
        do {
            grant = try await identity.requestDeviceCode(scopes: settings.scopes)
        } catch {
            progress = .failed(error.message)
            logger.error("Could not start a Microsoft sign-in", metadata: ["detail": "\(error.message)"])
            return progress
        }
        progress = .waiting(grant, expiresAt: now().addingTimeInterval(Double(grant.expiresIn)))
        logger.notice("Microsoft sign-in: \(grant.instructions)")
        // A newer sign-in ends the poll of the one before at its next pause.
        let userCode = grant.userCode
        signInPolls.start { [identity, sleep] in
            let pause: @Sendable (Duration) async throws -> Void = { duration in
                try await sleep(duration)
                guard await self.isWaiting(for: userCode) else { throw CancellationError() }
            }
            do {
                let response = try await DeviceCodePolling.waitForApproval(grant, client: identity, sleep: pause)
                await self.finishBackgroundSignIn(.success(response), userCode: userCode)
            } catch {
                await self.finishBackgroundSignIn(.failure(error), userCode: userCode)
            }
        }
        return progress
    }

    /// Whether the sign-in with `userCode` is the one waiting for its code.
    private func isWaiting(for userCode: String) -> Bool {
        if case .waiting(let grant, _) = progress { return grant.userCode == userCode }
        return false
    }

    /// Where a server-side sign-in stands now.
    public var signInProgress: SignInProgress {
        if case .waiting(_, let expiry) = progress, expiry <= now() { progress = .failed(IdentityError.expired.message) }
        return progress
    }

    private func finishBackgroundSignIn(_ result: Result<TokenResponse, any Error>, userCode: String) {
        // A newer sign-in has replaced this one.
        guard case .waiting(let grant, _) = progress, grant.userCode == userCode else { return }
        switch result {
        case .success(let response):
            do {
                let signIn = try complete(response)
                progress = .none
                logger.notice("Signed in to Microsoft 365", metadata: ["account": "\(signIn.account?.displayName ?? "-")"])
            } catch {
                progress = .failed(String(describing: error))
                logger.error("Signed in, but the token cache could not be written", metadata: ["detail": "\(error)"])
            }
        case .failure(let error):
            if error is CancellationError { return }
            let message = (error as? IdentityError)?.message ?? String(describing: error)
            progress = .failed(message)
            logger.error("The Microsoft sign-in did not finish", metadata: ["detail": "\(message)"])
        }
    }

    /// Keeps the tokens of a finished sign-in.
    private func complete(_ response: TokenResponse) throws -> CachedSignIn {
        var blank = CachedSignIn(
            tenant: settings.tenant, clientID: settings.clientID, scopes: settings.scopes, updatedAt: now())
        blank.upstream = settings.upstream
        let signIn = Self.updated(blank, with: response, at: now())
        refreshFailures = 0
        nextRefreshAttempt = nil
        try store(signIn)
        return signIn
    }
}
