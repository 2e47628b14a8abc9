import Foundation
import Logging

extension Doctor {
    /// Copilot answers, and the account may use it: one empty conversation is started on its upstream.
    func copilot(_ tokens: (any AccessTokenProvider)?, profile: AccountProfile?) async -> [Finding] {
        let api = profile?.upstream ?? .graph
        let base = api == .workIQ ? configuration.workIQBaseURL : configuration.graphBaseURL
        let setting = api == .workIQ ? "WORKIQ_BASE_URL" : "GRAPH_BASE_URL"
        let topic = Self.topic("copilot", profile)
        guard let tokens else {
            let reachable = await Self.serverDate(base, httpClient: httpClient) != nil
            return [reachable
                ? .init(.ok, topic, "\(api.displayName) (\(base)) answers; Copilot itself was not tried without a sign-in.")
                : .init(.problem, topic, "\(api.displayName) (\(base)) does not answer.", fix: "Check the network, a proxy, or \(setting).")]
        }
        let client = GraphClient(httpClient: httpClient, baseURL: base, api: api, tokens: tokens, timeout: .seconds(30), logger: .init(label: "doctor"))
        do {
            _ = try await client.createConversation()
            return [.init(.ok, topic, "Copilot answers for this account: a new conversation was created at \(base) (\(api.displayName)).")]
        } catch let error as UpstreamError {
            return [.init(.problem, topic, "Copilot did not accept a new conversation: \(error.failure.message)", fix: Self.fix(for: error, api: api, profile: profile))]
        } catch {
            return [.init(.problem, topic, "Copilot could not be asked: \(Self.describe(error)).", fix: "Check the network, a proxy, or \(setting).")]
        }
    }

    /// What to do when Copilot refused a new conversation. Work IQ's exact refusals are not documented:
    /// its likely causes are named.
    static func fix(for error: UpstreamError, api: CopilotAPI, profile: AccountProfile?) -> String {
        let login = "copilot-gateway login" + (profile.map { $0.name == AccountName.default ? "" : " --account \($0.name)" } ?? "")
        switch (error, api) {
        case (.status(401, _, _, _, _), .workIQ), (.status(403, _, _, _, _), .workIQ), (.status(400, _, _, _, _), .workIQ):
            return "Work IQ refused the account. The likely causes: the tenant has not consented to the Work IQ permission "
                + "(api://workiq.svc.cloud.microsoft/WorkIQAgent.Ask, admin consent, and the Work IQ service principal made with "
                + "`az ad sp create --id fdcc1f02-fc51-4226-8753-f668596af7f7`); no Copilot Studio pay-as-you-go plan (Copilot Credits) "
                + "is assigned to the user; the user has no Microsoft 365 Copilot licence; or the account signed in to another tenant "
                + "than its home tenant. Then run `\(login)` again."
        case (.status(401, _, _, _, _), _), (.notSignedIn, _): return "Run `\(login)` again."
        case (.status(403, _, _, _, _), _):
            return "The account needs a Microsoft 365 Copilot licence, and the app registration the delegated Graph permissions in the README (with admin consent where the tenant requires it)."
        case (.status(429, _, _, _, _), _), (.status(503, _, _, _, _), _), (.signInUnavailable, _): return "Copilot is busy or throttling; try again in a minute."
        default: return "Check the network, a proxy, or \(api == .workIQ ? "WORKIQ_BASE_URL" : "GRAPH_BASE_URL")."
        }
    }
}
