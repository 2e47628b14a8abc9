import Foundation
import NIOCore
import Testing

/// One server-sent event of the Responses or the Messages dialect: the name on its `event:` line
/// ("" when it had none) and its JSON `data:`.
struct NamedEvent {
    var name: String
    var data: [String: Any]

    /// The `data:`'s `type`, which both dialects repeat from the `event:` line.
    var type: String? { data["type"] as? String }
}

extension HTTPAnswer {
    /// The events of an SSE body in order, comment lines (keep-alives) left out.
    var namedEvents: [NamedEvent] {
        get throws {
            var events: [NamedEvent] = []
            for block in String(buffer: body).components(separatedBy: "\n\n") {
                let lines = block.split(separator: "\n").filter { !$0.hasPrefix(":") }
                guard !lines.isEmpty else { continue }
                let name = lines.first { $0.hasPrefix("event: ") }.map { String($0.dropFirst("event: ".count)) } ?? ""
                let payload = try #require(lines.first { $0.hasPrefix("data: ") }, "an event without data: \(block)")
                let object = try JSONSerialization.jsonObject(with: Data(payload.dropFirst("data: ".count).utf8))
                events.append(NamedEvent(name: name, data: try #require(object as? [String: Any])))
            }
            return events
        }
    }
}
