import Foundation
import Testing

@testable import CopilotGateway

@Suite struct RandomIDTests {
    @Test func hexIDsAre32LowercaseHexDigitsAndDoNotRepeat() {
        let ids = (0..<1_000).map { _ in RandomID.hex() }
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } })
        #expect(Set(ids).count == ids.count)
    }

    @Test func uuidsAreLowercaseVersion4UUIDsAndDoNotRepeat() throws {
        let ids = (0..<1_000).map { _ in RandomID.uuid() }
        for id in ids {
            let parsed = try #require(UUID(uuidString: id), "\(id)")
            #expect(parsed.uuidString.lowercased() == id)
            let parts = id.split(separator: "-").map(\.count)
            #expect(parts == [8, 4, 4, 4, 12])
            #expect(Array(id)[14] == "4")
            #expect("89ab".contains(Array(id)[19]))
        }
        #expect(Set(ids).count == ids.count)
    }
}
