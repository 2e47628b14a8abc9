import Foundation
import Testing

@testable import CopilotGateway

/// Plain conversation ids skip Foundation's escaping; every id is escaped exactly as it escapes it.
@Suite struct GraphPathSegmentTests {
    @Test(arguments: [
        "8f4c1a2e-3b5d-4e6f-9a0b-1c2d3e4f5a6b", "ABC_def.~-09", "", "a b", "a/b", "a?b#c", "a%20b", "中文", "é", "a@b", "[x]",
    ])
    func aConversationIDIsEscapedAsURLPathAllowedEscapesIt(_ id: String) {
        #expect(GraphClient.pathSegment(id) == (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id))
    }
}
