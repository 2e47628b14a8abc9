import Foundation

extension ChatService {
    /// The Graph body for `turn`. A new conversation also gets the system prompt and the earlier turns
    /// as `additionalContext`, so Copilot can continue a conversation that began elsewhere.
    func request(for turn: PreparedTurn, seeded: Bool, withCatalogue: Bool, noToolsThisTurn: Bool = false) -> GraphChatRequest {
        var context: [GraphChatRequest.ContextEntry] = []
        if let tools = turn.tools {
            if withCatalogue { context.append(.init(text: tools.text, description: "tools")) }
            context.append(.init(text: tools.choiceText, description: "tool choice for this message"))
        } else if noToolsThisTurn {
            context.append(.init(text: ToolCatalogue.noneForThisMessage, description: "tool choice for this message"))
        }
        if let instruction = turn.responseFormat.instruction {
            context.append(.init(text: instruction, description: "answer format"))
        }
        if seeded {
            if let instructions = turn.instructions {
                let kept = Self.limited(instructions, to: 8000)
                context.append(.init(text: "Instructions for this conversation (follow them):\n\(kept)", description: "system prompt"))
            }
            if let transcript = Self.transcript(turn.history, limit: 16_000) {
                context.append(.init(text: transcript, description: "earlier turns of this conversation"))
            }
        }
        for reminder in turn.reminders {
            context.append(.init(text: reminder, description: "context for this message"))
        }
        if turn.wantsImage {
            context.append(.init(text: ImageRequest.instruction, description: "note from the gateway"))
        }
        return GraphChatRequest(text: turn.prompt, timeZone: settings.timeZone, webEnabled: settings.webEnabled, additionalContext: context)
    }

    static func limited(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + "\n(The rest was cut: it was too long.)"
    }

    /// The earlier turns as text, newest kept when over `limit` characters.
    static func transcript(_ history: [PreparedTurn.Entry], limit: Int) -> String? {
        guard !history.isEmpty else { return nil }
        var lines: [String] = []
        var length = 0
        for entry in history.reversed() {
            let speaker = switch entry.role {
            case .assistant: "Assistant"
            case .tool, .function: "Tool result"
            default: "User"
            }
            let line = "\(speaker): \(entry.text)"
            if length + line.count > limit { break }
            lines.append(line)
            length += line.count + 1
        }
        let omitted = history.count - lines.count
        let header = omitted > 0 ? "Conversation so far (\(omitted) older messages omitted):" : "Conversation so far:"
        return ([header] + lines.reversed()).joined(separator: "\n")
    }

    func usage(_ request: GraphChatRequest, _ reply: String) -> Usage {
        let sent = [request.message.text] + (request.additionalContext ?? []).map(\.text)
        return Usage(promptTokens: TokenEstimator.estimate(sent), completionTokens: TokenEstimator.estimate([reply]))
    }
}
