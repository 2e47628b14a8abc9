import Crypto

/// One turn as the core understands it, whatever API dialect it came through: who asks, in which
/// session, the system prompt, the history as typed entries, the offered tools and the wanted form.
///
/// Clients resend the whole history; Copilot keeps it on its side. The entries after the last
/// assistant message (the user's message, or tool results) are the new turn and become the message
/// Copilot is asked; the system prompt and the earlier entries are there to seed a new conversation.
public struct TurnRequest: Sendable, Equatable {
    public var model: String
    /// Who is asking: conversations are never shared between callers.
    public var caller: String
    /// Where the client said which conversation this is (`user`, `X-Session-Id`, …).
    public var sessionKey: String?
    /// The system and developer messages, joined.
    public var instructions: String?
    /// The entries before the new turn, oldest first.
    public private(set) var history: [TurnEntry]
    /// The entries of the new turn, as they will appear in the next request's history.
    public private(set) var newTurn: [TurnEntry]
    /// The tools Copilot may call this turn; nil when none are offered or none may be called.
    public var tools: ToolCatalogue?
    public var responseFormat: ResponseFormat
    /// The reply is streamed (Graph `chatOverStream`) rather than answered whole.
    public var stream: Bool
    /// Web grounding for this turn; nil: as configured (`COPILOT_DISABLE_WEB`).
    public var webSearch: Bool?
    /// The space of the API the turn came through: a conversation is only ever continued through the same one.
    public var space: ConversationSpace
    /// The Microsoft accounts the caller's key may use, in its order of preference; nil: every account.
    public var accounts: [String]?
    /// The text Copilot is asked, with `<system_reminder>` blocks taken out.
    public private(set) var prompt: String
    /// The `<system_reminder>` blocks' contents: context for this turn, never echoed back.
    public private(set) var reminders: [String]
    /// The user asks for a picture to be made.
    public private(set) var wantsImage: Bool
    /// `history` and `newTurn` as text (`Transcript`), written once for the fingerprints and the seeding.
    private(set) var historyLines: [Transcript.Line]
    private(set) var newTurnLines: [Transcript.Line]

    /// The model a request that names none (or an empty one) asks for.
    public static let defaultModel = "copilot"

    /// Splits `entries` (the conversation without its system prompt) into history and new turn, or says
    /// why there is nothing for Copilot to answer. `instructions` are the system prompt's parts in
    /// order (empty ones left out, the rest joined by a blank line); `session`, the client's names for
    /// the conversation, the first that is not empty counting.
    public init(
        model: String?, caller: String = "anonymous", session: [SessionName] = [], instructions: [String], entries: [TurnEntry],
        tools: ToolCatalogue? = nil, responseFormat: ResponseFormat = .text, stream: Bool = false, webSearch: Bool? = nil,
        space: ConversationSpace = ConversationSpace("")
    ) throws(TurnRequestError) {
        guard entries.contains(where: { if case .user = $0 { true } else { false } }) else { throw .noUserMessage }
        let lastAssistant = entries.lastIndex { if case .assistant = $0 { true } else { false } }
        let newTurnStart = lastAssistant.map { $0 + 1 } ?? 0
        guard newTurnStart < entries.endIndex else { throw .nothingToAnswer }
        self.model = model.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultModel
        self.caller = caller
        self.sessionKey = SessionName.key(session)
        let instructions = instructions.filter { !$0.isEmpty }
        self.instructions = instructions.isEmpty ? nil : instructions.joined(separator: "\n\n")
        self.history = Array(entries[..<newTurnStart])
        self.newTurn = Array(entries[newTurnStart...])
        self.tools = tools
        self.responseFormat = responseFormat
        self.stream = stream
        self.webSearch = webSearch
        self.space = space
        self.historyLines = Transcript.lines(history)
        self.newTurnLines = Transcript.lines(newTurn)
        (prompt, reminders) = CopilotPrompt.message(newTurn: newTurn, history: history)
        guard !prompt.isEmpty else { throw .noText }
        wantsImage = ImageRequest.isImageGeneration(prompt)
    }

    /// Session keys longer than this (in UTF-8 bytes) are kept as their digest.
    static let longestPlainSessionKey = 256

    /// Caller, session and the dialect's space: where a conversation belongs. (The unnamed space adds
    /// nothing, so that the conversations earlier versions recorded are found again.)
    /// A session key holding the separator (or NUL), or longer than ``longestPlainSessionKey``, is
    /// written as its digest, with a prefix no `SessionName` has, so that no client text can pass for
    /// another dialect's space and no name costs more than a digest to keep.
    var scope: String {
        var session = sessionKey ?? ""
        if session.utf8.count > Self.longestPlainSessionKey || session.utf8.contains(where: { $0 <= 1 }) {
            session = "digest:" + SHA256.hash(data: Array(session.utf8)).lowercaseHex
        }
        let base = "\(caller)\u{1}\(session)"
        return space.name.isEmpty ? base : base + "\u{1}" + space.name
    }
}
