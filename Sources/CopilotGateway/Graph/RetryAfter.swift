import Foundation

/// A `Retry-After` header value (RFC 9110 §10.2.3) as whole seconds to wait, within a sane range.
///
/// The header is either delta-seconds (`120`) or an HTTP-date (`Fri, 31 Dec 1999 23:59:59 GMT`, or the
/// obsolete RFC 850 and asctime forms). Servers and proxies also send fractions (`2.128`), so those are
/// read too and rounded up. Anything else (`inf`, `nan`, a negative number, text) is no value at all.
/// A value is never trusted beyond ``range``: a few seconds' wait is the least worth telling a client,
/// and an hour the most a chat client should be asked to wait.
public enum RetryAfter {
    /// The waits the gateway passes on, in seconds.
    public static let range = 1...3600

    /// The wait `value` asks for, clamped to ``range``; nil when the value is neither form.
    public static func seconds(_ value: String, now: Date = Date()) -> Int? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 64 else { return nil }
        if let delay = delaySeconds(trimmed) { return clamped(delay) }
        guard let date = httpDate(trimmed) else { return nil }
        return clamped(date.timeIntervalSince(now))
    }

    /// Digits with at most one decimal point (no sign, exponent, `inf` or `nan`).
    static func delaySeconds(_ text: String) -> Double? {
        var sawPoint = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
            } else if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                return nil
            }
        }
        guard text.utf8.contains(where: { $0 != UInt8(ascii: ".") }) else { return nil }
        return Double(text)
    }

    /// The three date forms HTTP allows, in the time zone they name (always GMT).
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "GMT")
            parser.dateFormat = format
            if let date = parser.date(from: text) { return date }
        }
        return nil
    }

    /// Whole seconds, rounded up, within ``range``. Never traps, whatever the double.
    static func clamped(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return seconds > 0 ? range.upperBound : range.lowerBound }
        let limited = min(max(seconds.rounded(.up), Double(range.lowerBound)), Double(range.upperBound))
        return Int(limited)
    }
}
