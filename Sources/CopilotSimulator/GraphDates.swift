import Foundation

/// Date formats used on the Graph wire.
enum GraphDates {
    /// `2025-09-30T15:28:46.156Z`, as in `createdDateTime`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// `2026-08-13T13:03:10`, as in an error's `innerError.date`.
    static func errorDate(_ date: Date) -> String {
        String(date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt)).dropLast())
    }
}
