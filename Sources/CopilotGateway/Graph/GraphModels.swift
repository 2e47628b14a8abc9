/// A `copilotConversation` as Graph returns it from create, `chat` and each `chatOverStream` event.
///
/// Every field is optional: the API is beta and the stream's intermediate events omit or blank most of them.
/// An SSE event may instead carry an in-band `error`.
struct GraphConversation: Decodable, Sendable, Equatable {
    var id: String?
    /// `active` or `disengagedForRai`; the docs' example calls it `status`, which is accepted too.
    var state: String?
    var status: String?
    var displayName: String?
    var turnCount: Int?
    var messages: [GraphMessage]?
    var error: GraphErrorDetail?

    static let intermediateDisplayName = "Intermediate Conversation Update"

    /// The conversation state, whichever field name carried it.
    var conversationState: String? { state ?? status }

    /// The last snapshot of a turn has the real title and turn count and `[echo, reply]`.
    var isFinalSnapshot: Bool {
        displayName != Self.intermediateDisplayName && (turnCount ?? 0) > 0 && !(messages ?? []).isEmpty
    }

    var isDisengagedForRAI: Bool { conversationState == "disengagedForRai" }
}

/// One message of a snapshot: the user's echo or Copilot's reply.
///
/// `attributions` (Graph) and `references` (Work IQ) are decoded leniently: a missing, malformed or
/// oddly shaped list is read as absent and never fails the message.
struct GraphMessage: Sendable, Equatable {
    var id: String?
    var text: String?
    var attributions: [GraphAttribution]?
    /// Work IQ's `copilotConversationReferenceMap`: a JSON object of references keyed by an opaque name.
    var references: [String: GraphReference]?
}

extension GraphMessage: Decodable {
    enum CodingKeys: String, CodingKey {
        case id, text, attributions, references
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        attributions = try? container.decodeIfPresent([GraphAttribution].self, forKey: .attributions)
        references = try? container.decodeIfPresent([String: GraphReference].self, forKey: .references)
    }
}

/// A `copilotConversationAttribution`: a `citation` (a source, titled by `providerDisplayName`) or an
/// `annotation` (an entity link). Decoding never fails: a field of the wrong type, or an entry that is
/// not an object, reads as nil.
struct GraphAttribution: Sendable, Equatable {
    var attributionType: String?
    var attributionSource: String?
    var providerDisplayName: String?
    var seeMoreWebUrl: String?
}

extension GraphAttribution: Decodable {
    enum CodingKeys: String, CodingKey {
        case attributionType, attributionSource, providerDisplayName, seeMoreWebUrl
    }

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        attributionType = try? container.decodeIfPresent(String.self, forKey: .attributionType)
        attributionSource = try? container.decodeIfPresent(String.self, forKey: .attributionSource)
        providerDisplayName = try? container.decodeIfPresent(String.self, forKey: .providerDisplayName)
        seeMoreWebUrl = try? container.decodeIfPresent(String.self, forKey: .seeMoreWebUrl)
    }
}

/// A Work IQ `copilotConversationReference`. Decoding never fails, like ``GraphAttribution``.
struct GraphReference: Sendable, Equatable {
    var targetLink: String?
    var isCitedInResponse: Bool?
}

extension GraphReference: Decodable {
    enum CodingKeys: String, CodingKey {
        case targetLink, isCitedInResponse
    }

    init(from decoder: any Decoder) throws {
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        targetLink = try? container.decodeIfPresent(String.self, forKey: .targetLink)
        isCitedInResponse = try? container.decodeIfPresent(Bool.self, forKey: .isCitedInResponse)
    }
}

/// Graph's error envelope: `{"error":{"code","message","innerError":{…}}}`.
struct GraphErrorEnvelope: Decodable, Sendable {
    var error: GraphErrorDetail
}

struct GraphErrorDetail: Decodable, Sendable, Equatable {
    var code: String?
    var message: String?
}

/// The body of `chat` and `chatOverStream`.
struct GraphChatRequest: Encodable, Sendable, Equatable {
    var message: Message
    var locationHint: LocationHint
    var additionalContext: [ContextEntry]?
    var contextualResources: ContextualResources?
    /// Undocumented (the beta SDK's `CopilotChatResponseOptions`); sent only when delta streaming is on.
    var responseOptions: ResponseOptions?

    struct Message: Encodable, Sendable, Equatable { var text: String }
    struct LocationHint: Encodable, Sendable, Equatable { var timeZone: String }
    struct ContextEntry: Encodable, Sendable, Equatable {
        var text: String
        var description: String?
    }
    struct ContextualResources: Encodable, Sendable, Equatable { var webContext: WebContext }
    struct WebContext: Encodable, Sendable, Equatable { var isWebEnabled: Bool }
    struct ResponseOptions: Encodable, Sendable, Equatable { var isDeltaStreamingEnabled: Bool }

    init(text: String, timeZone: String, webEnabled: Bool, additionalContext: [ContextEntry]) {
        self.message = Message(text: text)
        self.locationHint = LocationHint(timeZone: timeZone)
        self.additionalContext = additionalContext.isEmpty ? nil : additionalContext
        // Web grounding is on by default upstream and turning it off holds for one turn only.
        self.contextualResources = webEnabled ? nil : ContextualResources(webContext: WebContext(isWebEnabled: false))
    }
}
