import Foundation
import Testing

@testable import CopilotGateway

/// `Retry-After` from Graph or a proxy: read as RFC 9110 allows, clamped, and never a crash.
@Suite struct RetryAfterTests {
    @Test(arguments: [
        ("120", 120), ("0", 1), ("2.128", 3), (" 7 ", 7), ("3600", 3600), ("3601", 3600),
        ("9223372036854775807", 3600), ("99999999999999999999999999999999", 3600),
    ])
    func delaySecondsAreRoundedUpAndClampedToOneSecondToAnHour(value: String, seconds: Int) {
        #expect(RetryAfter.seconds(value) == seconds)
    }

    /// Each of these ended the process with "Double value cannot be converted to Int" before.
    @Test(arguments: ["1e30", "inf", "-inf", "nan", "-1e30", "-1", "+5", "1.2.3", ".", "", "   ", "soon", "0x10", String(repeating: "9", count: 200)])
    func valuesThatAreNeitherFormAreNoValueAtAll(value: String) {
        #expect(RetryAfter.seconds(value) == nil)
    }

    @Test func anHTTPDateInAnyOfItsThreeFormsIsTheWaitUntilThen() throws {
        let now = try #require(RetryAfter.httpDate("Sun, 29 Nov 2026 19:00:00 GMT"))
        #expect(RetryAfter.seconds("Sun, 29 Nov 2026 19:00:30 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Sunday, 29-Nov-26 19:00:30 GMT", now: now) == 30)
        #expect(RetryAfter.seconds("Sun Nov 29 19:00:30 2026", now: now) == 30)
        #expect(RetryAfter.seconds("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == 1)
        #expect(RetryAfter.seconds("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == 3600)
    }

    @Test(arguments: [Double.infinity, -.infinity, .nan, 1e300, -1e300, Double(Int.max), -0.0])
    func clampingNeverTraps(seconds: Double) {
        #expect(RetryAfter.range.contains(RetryAfter.clamped(seconds)))
    }
}
