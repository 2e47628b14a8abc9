/// A `copilotConversation` as Graph returns it from create, `chat` and each `chatOverStream` event.
///
/// Every field is optional: the API is beta and the stream's intermediate events omit or blank most of them.
/// An SSE event may instead carry an in-band `error`.
struct GraphConversation: Decodable, Sendable {
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

struct GraphMessage: Decodable, Sendable {
    var id: String?
    var text: String?
}

/// Graph's error envelope: `{"error":{"code","message","innerError":{…}}}`.
struct GraphErrorEnvelope: Decodable, Sendable {
    var error: GraphErrorDetail
}

struct GraphErrorDetail: Decodable, Sendable {
    var code: String?
    var message: String?
}

/// The body of `chat` and `chatOverStream`.
struct GraphChatRequest: Encodable, Sendable, Equatable {
    var message: Message
    var locationHint: LocationHint
    var additionalContext: [ContextEntry]?
    var contextualResources: ContextualResources?

    struct Message: Encodable, Sendable, Equatable { var text: String }
    struct LocationHint: Encodable, Sendable, Equatable { var timeZone: String }
    struct ContextEntry: Encodable, Sendable, Equatable {
        var text: String
        var description: String?
    }
    struct ContextualResources: Encodable, Sendable, Equatable { var webContext: WebContext }
    struct WebContext: Encodable, Sendable, Equatable { var isWebEnabled: Bool }

    init(text: String, timeZone: String, webEnabled: Bool, additionalContext: [ContextEntry]) {
        self.message = Message(text: text)
        self.locationHint = LocationHint(timeZone: timeZone)
        self.additionalContext = additionalContext.isEmpty ? nil : additionalContext
        // Web grounding is on by default upstream and turning it off holds for one turn only.
        self.contextualResources = webEnabled ? nil : ContextualResources(webContext: WebContext(isWebEnabled: false))
    }
}
