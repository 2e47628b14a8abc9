import Foundation

/// A local fake of Microsoft Graph's Copilot Chat API and of the Microsoft identity platform's
/// device-code and refresh-token grants. Holds all state: conversations, device codes, issued tokens,
/// the request log and pending faults. Serve it with ``buildSimulatorRouter(simulator:)``.
public actor CopilotSimulator {
    /// The options this simulator was created with.
    public nonisolated let options: SimulatorOptions
    private var conversations: [String: SimulatedConversation] = [:]
    /// Conversation ids, oldest first, to forget the oldest beyond `options.conversationLimit`.
    private var conversationOrder: [String] = []
    /// The request log: a ring of the newest `options.requestLogLimit` requests.
    private var requests: [RecordedRequest] = []
    /// Where the oldest request sits in `requests` once the ring is full.
    private var oldestRequest = 0
    private var faults: [SimulatorFault] = []
    /// How the streamed responses went so far.
    public internal(set) var streams = StreamCounts()
    /// Device codes, issued tokens and identity counters (see `CopilotSimulator+Identity.swift`).
    var identity: IdentityState

    /// Creates an empty simulator.
    public init(options: SimulatorOptions = .init()) {
        self.options = options
        self.identity = IdentityState(options: options)
    }

    /// The requests received under `/beta/...` and by the identity endpoints, oldest first: all of them,
    /// or the newest `options.requestLogLimit`.
    public var recordedRequests: [RecordedRequest] {
        Array(requests[oldestRequest...] + requests[..<oldestRequest])
    }

    /// Forgets the recorded requests.
    public func clearRecordedRequests() {
        requests.removeAll()
        oldestRequest = 0
    }

    /// Queues a fault for the next matching request(s).
    public func addFault(_ fault: SimulatorFault) {
        faults.append(fault)
    }

    /// Faults that have not been used up yet.
    public var pendingFaults: [SimulatorFault] { faults }

    /// Removes every pending fault.
    public func clearFaults() {
        faults.removeAll()
    }

    /// The simulator's record of a conversation, or nil if the id is unknown.
    public func conversation(id: String) -> SimulatedConversation? {
        conversations[id.lowercased()]
    }

    func record(_ request: RecordedRequest) {
        let limit = options.requestLogLimit
        guard limit > 0, requests.count >= limit else {
            requests.append(request)
            return
        }
        requests[oldestRequest] = request
        oldestRequest = (oldestRequest + 1) % requests.count
    }

    /// Takes one use of the first pending fault of each kind that matches `endpoint` and `requester`
    /// (the user whose token the request carries). A matching `status` fault is taken alone: that
    /// request never gets further.
    func takeFaults(for endpoint: SimulatorEndpoint, requester: String? = nil) -> FaultSet {
        let statusOnly = faults.contains { $0.kind == .status && $0.matches(endpoint, requester: requester) }
        var taken: [SimulatorFault] = []
        var index = 0
        while index < faults.count {
            let fault = faults[index]
            guard fault.matches(endpoint, requester: requester), !statusOnly || fault.kind == .status,
                !taken.contains(where: { $0.kind == fault.kind })
            else {
                index += 1
                continue
            }
            taken.append(fault)
            if fault.count > 1 {
                faults[index].count -= 1
                index += 1
            } else {
                faults.remove(at: index)
            }
        }
        return FaultSet(taken)
    }

    /// A new conversation, belonging to `owner` (the user whose token created it; nil: anyone's).
    func createConversation(now: Date, owner: String? = nil) -> SimulatedConversation {
        let conversation = SimulatedConversation(
            id: UUID().uuidString.lowercased(), createdDateTime: GraphDates.timestamp(now), displayName: "",
            state: "active", turnCount: 0, turns: [], owner: owner)
        conversations[conversation.id] = conversation
        conversationOrder.append(conversation.id)
        let limit = options.conversationLimit
        if limit > 0, conversationOrder.count > limit {
            // Forgotten as Graph forgets old conversations: a later turn in one gets 404.
            for id in conversationOrder.prefix(conversationOrder.count - limit) { conversations[id] = nil }
            conversationOrder.removeFirst(conversationOrder.count - limit)
        }
        return conversation
    }

    /// Runs one chat turn for `requester`: checks the conversation, computes the reply and (unless
    /// `commit` is false) stores it. A conversation another user created is not found, as on Graph.
    func runTurn(
        conversationID: String, request: ChatRequest, faults: FaultSet, streamed: Bool, commit: Bool, now: Date,
        requester: String? = nil
    ) throws(GraphError) -> TurnOutcome {
        guard var conversation = conversations[conversationID.lowercased()],
            conversation.owner == nil || conversation.owner?.lowercased() == requester?.lowercased()
        else {
            throw .notFound("Conversation '\(conversationID)' was not found.")
        }
        guard conversation.state == "active" else {
            throw .badRequest(
                "The conversation was disengaged (state '\(conversation.state)') and rejects further chat requests.")
        }
        let reply: SimulatedReply =
            if faults.contains(.rai) {
                SimulatedReply(text: SimulatedReplies.refusalText)
            } else if faults.contains(.emptyReply) {
                SimulatedReply(text: "")
            } else if faults.contains(.prose) {
                SimulatedReplies.plainReply(
                    to: request.text, searching: conversation.allTexts + [request.text], contextCount: request.additionalContext.count)
            } else if let huge = faults[.huge] {
                SimulatedReply(text: SimulatedReplies.hugeText(length: huge.length ?? SimulatedReplies.defaultHugeLength))
            } else {
                SimulatedModel.reply(
                    to: request.text, context: request.additionalContext.map(\.text),
                    history: conversation.allTexts, messy: options.messyOutput || faults.contains(.messy))
            }
        let replyID = UUID().uuidString.lowercased()
        if conversation.turns.isEmpty { conversation.displayName = request.text }
        conversation.turnCount += 1
        if faults.contains(.rai) { conversation.state = "disengagedForRai" }
        conversation.turns.append(
            SimulatedTurn(
                prompt: request.text, additionalContext: request.additionalContext, timeZone: request.timeZone,
                streamed: streamed, replyID: replyID, reply: reply.text))
        if commit { conversations[conversation.id] = conversation }
        return TurnOutcome(
            conversationID: conversation.id, createdDateTime: conversation.createdDateTime,
            displayName: conversation.displayName, state: conversation.state, turnCount: conversation.turnCount,
            echo: MessageSnapshot(
                id: UUID().uuidString.lowercased(), text: request.text,
                createdDateTime: conversation.createdDateTime),
            reply: MessageSnapshot(
                id: replyID, text: reply.text, createdDateTime: GraphDates.timestamp(now),
                attributions: reply.attributions))
    }

    /// Replaces a committed turn's reply text (the `rewrite` fault changes the final text).
    func updateReply(conversationID: String, replyID: String, text: String) {
        guard var conversation = conversations[conversationID],
            let index = conversation.turns.firstIndex(where: { $0.replyID == replyID })
        else { return }
        conversation.turns[index].reply = text
        conversations[conversationID] = conversation
    }
}
