/// Builders for the Graph JSON bodies, keys in the order Graph sends them.
enum GraphPayloads {
    static let createContext = "https://graph.microsoft.com/beta/$metadata#copilot/conversations/$entity"
    static let chatContext = "https://graph.microsoft.com/beta/$metadata#microsoft.graph.copilotConversation"
    static let intermediateDisplayName = "Intermediate Conversation Update"
    static let messageType = "#microsoft.graph.copilotConversationResponseMessage"

    /// The `@odata.context` of stream events for a conversation.
    static func streamContext(conversationID: String) -> String {
        "https://graph.microsoft.com/beta/copilot/conversations('\(conversationID)')"
            + "/microsoft.graph.copilot.chatOverStream/$metadata#Edm.Stream/$entity"
    }

    /// The 201 body of `POST /beta/copilot/conversations`.
    static func created(_ conversation: SimulatedConversation) -> SimulatorJSON {
        conversationObject(
            context: createContext, id: conversation.id, createdDateTime: conversation.createdDateTime,
            displayName: conversation.displayName, state: conversation.state, turnCount: conversation.turnCount,
            messages: nil)
    }

    /// The sync `chat` body, also the final stream snapshot: `[echo, reply]`.
    static func finalSnapshot(_ turn: TurnOutcome, context: String, replyCards: [SimulatorJSON]) -> SimulatorJSON {
        conversationObject(
            context: context, id: turn.conversationID, createdDateTime: turn.createdDateTime,
            displayName: turn.displayName, state: turn.state, turnCount: turn.turnCount,
            messages: [
                message(turn.echo, adaptiveCards: []),
                message(turn.reply, adaptiveCards: replyCards),
            ])
    }

    /// An "Intermediate Conversation Update" stream event.
    static func intermediate(
        conversationID: String, createdDateTime: String, turnCount: Int = 0, messages: [SimulatorJSON]
    ) -> SimulatorJSON {
        conversationObject(
            context: streamContext(conversationID: conversationID), id: conversationID,
            createdDateTime: createdDateTime, displayName: intermediateDisplayName, state: "active",
            turnCount: turnCount, messages: messages)
    }

    /// A `copilotConversationResponseMessage`.
    static func message(_ snapshot: MessageSnapshot, adaptiveCards: [SimulatorJSON]) -> SimulatorJSON {
        .object([
            ("@odata.type", .string(messageType)),
            ("id", .string(snapshot.id)),
            ("text", .string(snapshot.text)),
            ("createdDateTime", .string(snapshot.createdDateTime)),
            ("adaptiveCards", .array(adaptiveCards)),
            snapshot.citesAsReferences ? ("references", references(snapshot.attributions)) : ("attributions", .array(snapshot.attributions.map(\.json))),
            ("sensitivityLabel", sensitivityLabel),
        ])
    }

    /// Work IQ's `copilotConversationReferenceMap`: each source under its marker's number.
    static func references(_ sources: [SimulatedAttribution]) -> SimulatorJSON {
        .object(sources.enumerated().map { index, source in
            (String(index + 1), .object([
                ("targetLink", .string(source.seeMoreWebUrl)), ("sensitivityLabel", .null), ("isCitedInResponse", true),
            ]))
        })
    }

    /// The AdaptiveCard the stream's full-text partial carries.
    static func adaptiveCard(text: String) -> SimulatorJSON {
        .object([
            ("type", "AdaptiveCard"),
            ("version", "1.0"),
            ("body", [.object([("type", "TextBlock"), ("text", .string(text)), ("wrap", true)])]),
        ])
    }

    static let sensitivityLabel: SimulatorJSON = .object([
        ("sensitivityLabelId", .null), ("displayName", .null), ("tooltip", .null),
        ("priority", .null), ("color", .null), ("isEncrypted", .null),
    ])

    private static func conversationObject(
        context: String, id: String, createdDateTime: String, displayName: String, state: String,
        turnCount: Int, messages: [SimulatorJSON]?
    ) -> SimulatorJSON {
        var members: [(String, SimulatorJSON)] = [
            ("@odata.context", .string(context)),
            ("id", .string(id)),
            ("agentId", .null),
            ("createdDateTime", .string(createdDateTime)),
            ("displayName", .string(displayName)),
            ("state", .string(state)),
            ("turnCount", .number(Double(turnCount))),
        ]
        if let messages { members.append(("messages", .array(messages))) }
        return .object(members)
    }
}
