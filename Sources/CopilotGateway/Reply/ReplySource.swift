/// A source Copilot cited in a reply: what a `[^n^]` marker points at.
struct ReplySource: Sendable, Equatable {
    /// The source's name (`providerDisplayName`); empty when Copilot gave none.
    var title: String
    var url: String
}

extension GraphMessage {
    /// The message's citation sources, in the order its `[^n^]` markers count them (`[^1^]` is the first).
    ///
    /// Graph: the `attributions` of type `citation` with a link, in order. Annotations are entity links
    /// (`<Person>…</Person>` and the like), not sources. Work IQ, when there are no such attributions:
    /// the `references` with a `targetLink`, ordered by their keys (numerically where a key holds a number).
    var sources: [ReplySource] {
        let citations = (attributions ?? []).compactMap { attribution -> ReplySource? in
            guard attribution.attributionType?.lowercased() == "citation" else { return nil }
            let url = Self.trimmed(attribution.seeMoreWebUrl)
            guard !url.isEmpty else { return nil }
            return ReplySource(title: Self.trimmed(attribution.providerDisplayName), url: url)
        }
        if !citations.isEmpty { return citations }
        return (references ?? [:])
            .sorted { Self.referenceOrder($0.key, $1.key) }
            .compactMap { entry -> ReplySource? in
                let url = Self.trimmed(entry.value.targetLink)
                return url.isEmpty ? nil : ReplySource(title: "", url: url)
            }
    }

    private static func trimmed(_ text: String?) -> String {
        (text ?? "").split(whereSeparator: \.isNewline).joined(separator: " ").trimmingWhitespace
    }

    /// JSON object keys carry no order once decoded; keys holding a number sort by it, the rest by name.
    private static func referenceOrder(_ a: String, _ b: String) -> Bool {
        switch (number(in: a), number(in: b)) {
        case let (x?, y?) where x != y: x < y
        case (_?, nil): true
        case (nil, _?): false
        default: a < b
        }
    }

    private static func number(in key: String) -> Int? {
        Int(String(key.filter(\.isASCII).filter(\.isNumber)).prefix(9))
    }
}
