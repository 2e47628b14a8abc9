/// One deterministic reply: the markdown text and the attributions that go with it.
public struct SimulatedReply: Sendable, Equatable, Codable {
    /// The reply text (markdown, may contain `[^n^]` markers and entity tags).
    public var text: String
    /// Attributions matching the citation markers in `text`.
    public var attributions: [SimulatedAttribution]

    /// Creates a reply.
    public init(text: String, attributions: [SimulatedAttribution] = []) {
        self.text = text
        self.attributions = attributions
    }
}

/// A Graph `copilotConversationAttribution`.
public struct SimulatedAttribution: Sendable, Equatable, Codable {
    public var attributionType: String
    public var attributionSource: String
    public var providerDisplayName: String
    public var seeMoreWebUrl: String
    public var imageWebUrl: String
    public var imageFavIcon: String
    public var imageWidth: Int
    public var imageHeight: Int

    /// A grounding citation with empty image fields, as in the Graph examples.
    public static func citation(title: String, url: String) -> SimulatedAttribution {
        SimulatedAttribution(
            attributionType: "citation", attributionSource: "grounding", providerDisplayName: title,
            seeMoreWebUrl: url, imageWebUrl: "", imageFavIcon: "", imageWidth: 0, imageHeight: 0)
    }

    /// The Graph JSON for this attribution, keys in the documented order.
    var json: SimulatorJSON {
        .object([
            ("attributionType", .string(attributionType)),
            ("attributionSource", .string(attributionSource)),
            ("providerDisplayName", .string(providerDisplayName)),
            ("seeMoreWebUrl", .string(seeMoreWebUrl)),
            ("imageWebUrl", .string(imageWebUrl)),
            ("imageFavIcon", .string(imageFavIcon)),
            ("imageWidth", .number(Double(imageWidth))),
            ("imageHeight", .number(Double(imageHeight))),
        ])
    }
}
