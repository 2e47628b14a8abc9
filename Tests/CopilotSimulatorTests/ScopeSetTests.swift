import Testing

@testable import CopilotSimulator

@Suite struct ScopeSetTests {
    @Test func shortNamesMeanGraphAndCompareCaseInsensitively() {
        let granted = ScopeSet("https://graph.microsoft.com/Mail.Read Chat.Read offline_access openid")
        #expect(granted.resourceScopes.map(\.uri) == ["https://graph.microsoft.com/Mail.Read", "https://graph.microsoft.com/Chat.Read"])
        #expect(granted.covers(ScopeSet("mail.read HTTPS://GRAPH.MICROSOFT.COM/chat.read profile")))
        #expect(!granted.covers(ScopeSet("Mail.Read Sites.Read.All")))
        #expect(granted.contains(oidc: "openid"))
        #expect(!granted.contains(oidc: "profile"))
    }

    @Test func defaultCoversItsResourceOnly() {
        let granted = ScopeSet("https://graph.microsoft.com/.default offline_access")
        #expect(granted.covers(ScopeSet("Mail.Read")))
        #expect(!granted.covers(ScopeSet("api://workiq.svc.cloud.microsoft/.default")))
        #expect(ScopeSet("Mail.Read").covers(ScopeSet("https://graph.microsoft.com/.default")))
    }

    @Test func defaultMixedWithExplicitScopesOfTheSameResourceIsInvalid() {
        #expect(throws: EntraError.self) { try ScopeSet("https://graph.microsoft.com/.default Mail.Read").validate() }
        #expect(throws: Never.self) {
            try ScopeSet("https://graph.microsoft.com/.default openid profile offline_access").validate()
        }
        #expect(throws: Never.self) {
            try ScopeSet("https://graph.microsoft.com/.default api://workiq.svc.cloud.microsoft/WorkIQAgent.Ask").validate()
        }
    }

    @Test func formBodiesDecodeAndRedact() {
        let form = FormBody("grant_type=refresh_token&refresh_token=abc%2Bdef&scope=Mail.Read+openid&empty=&grant_type=x")
        #expect(form["grant_type"] == "refresh_token")
        #expect(form["refresh_token"] == "abc+def")
        #expect(form["scope"] == "Mail.Read openid")
        #expect(form.nonEmpty("empty") == nil)
        #expect(
            form.redactedJSON
                == .object([
                    ("grant_type", "refresh_token"), ("refresh_token", "[redacted]"), ("scope", "Mail.Read openid"),
                    ("empty", ""),
                ]))
        #expect(FormBody.redactedQuery("a=1&code=xyz&client_assertion=j") == "a=1&code=[redacted]&client_assertion=[redacted]")
    }
}
