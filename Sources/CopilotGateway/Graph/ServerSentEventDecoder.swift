import Foundation

/// An incremental, lenient decoder of `text/event-stream` bytes as Graph's `chatOverStream` sends them.
///
/// Feed it the body in whatever pieces the network delivers. Besides the standard (multi-line `data:`,
/// LF/CRLF/CR line ends, `:` comments, `id:` with or without trailing spaces) it tolerates what Graph's
/// documented capture shows: continuation lines without a `data:` prefix (pretty-printed JSON) and a last
/// event with no blank line after it (`finish()`).
struct ServerSentEventDecoder {
    struct Event: Equatable, Sendable {
        /// The event's data as it came, its lines joined with `\n`.
        var bytes: [UInt8]
        var id: String?

        init(bytes: [UInt8], id: String?) {
            self.bytes = bytes
            self.id = id
        }

        /// The data as text (bytes that are not UTF-8 are repaired).
        var data: String { String(decoding: bytes, as: UTF8.self) }
    }

    private var line: [UInt8] = []
    private var dataLines: [[UInt8]] = []
    private var eventID: String?
    private var skipLineFeed = false

    /// Decodes what `bytes` completes; an event split across calls comes out once it is whole.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        if let events = bytes.withContiguousStorageIfAvailable({ feed(buffer: $0) }) { return events }
        return Array(bytes).withUnsafeBufferPointer { feed(buffer: $0) }
    }

    /// Lines are found with `memchr` (a snapshot is one long `data:` line).
    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>) -> [Event] {
        guard let base = buffer.baseAddress else { return [] }
        var events: [Event] = []
        var start = 0
        if skipLineFeed, start < buffer.count {
            skipLineFeed = false
            if buffer[start] == UInt8(ascii: "\n") { start += 1 }
        }
        while start < buffer.count {
            let rest = buffer.count - start
            let lineFeed = memchr(base + start, Int32(UInt8(ascii: "\n")), rest).map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
            let carriageReturn = memchr(base + start, Int32(UInt8(ascii: "\r")), (lineFeed ?? buffer.count) - start)
                .map { base.distance(to: $0.assumingMemoryBound(to: UInt8.self)) }
            guard let end = carriageReturn ?? lineFeed else {
                line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
                break
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start..<end]))
            if let event = endLine() { events.append(event) }
            start = end + 1
            if buffer[end] == UInt8(ascii: "\r") {
                if start == buffer.count {
                    skipLineFeed = true
                } else if buffer[start] == UInt8(ascii: "\n") {
                    start += 1
                }
            }
        }
        return events
    }

    /// The end of the body: a pending line and event are complete now.
    mutating func finish() -> [Event] {
        var events: [Event] = []
        if !line.isEmpty, let event = endLine() { events.append(event) }
        if let event = dispatch() { events.append(event) }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }  // comment or keep-alive
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = colon.map { line[..<$0] } ?? line[...]
        var value = colon.map { line[line.index(after: $0)...] } ?? []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        if name.elementsEqual("data".utf8) {
            dataLines.append(Array(value))
        } else if name.elementsEqual("id".utf8) {
            eventID = String(decoding: value, as: UTF8.self).trimmingWhitespace
        } else if name.elementsEqual("event".utf8) || name.elementsEqual("retry".utf8) {
            return nil
        } else if !dataLines.isEmpty {
            // Not a field: inside an event it is a continuation of the data (pretty-printed JSON).
            dataLines.append(line)
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            dataLines.removeAll()
            eventID = nil
        }
        guard !dataLines.isEmpty else { return nil }
        let bytes = dataLines.count == 1 ? dataLines[0] : Array(dataLines.joined(separator: [UInt8(ascii: "\n")]))
        return Event(bytes: bytes, id: eventID)
    }
}
