import Foundation
import HTTPTypes

extension ConversationSpace {
    /// Compactions' own turns: a summary is never a conversation a client continues.
    static let responsesCompaction = ConversationSpace("openai.responses.compact")
}

/// `POST /v1/responses/compact`: Copilot summarises a conversation, and the summary comes back sealed
/// in a `compaction` item (`CompactionSeal`) after the conversation's user messages, as the Open
/// Responses document's compact resource. A later request that sends the item continues from it.
enum Compaction {
    /// What Copilot is asked, after the conversation.
    static let instruction = """
        Summarise our whole conversation above, so that it can go on from your summary alone: keep every fact, \
        decision, name, number, file, code change, open task and preference that was stated, and what was being \
        worked on last. Leave out greetings and small talk. Answer with the summary only.
        """

    /// Copilot declined to summarise: a client that replaces its history with the compaction must not
    /// be handed the refusal as its conversation.
    static let declined = OpenAIError(
        status: .badGateway,
        message: "Copilot declined to summarise this conversation, so it was not compacted; send the whole conversation instead.",
        type: "api_error", code: "compaction_declined")

    /// The conversation to compact: `previous`'s, then the request's input (earlier compactions opened).
    static func entries(of request: ResponsesConversationRequest, previous: KeptConversation?, seal: CompactionSeal) throws(OpenAIError)
        -> [TurnEntry]
    {
        let entries = try ResponsesRequest.entries(of: request.input, after: previous?.entries ?? [], seal: seal)
        guard !entries.isEmpty else {
            throw .invalidRequest("`input` (or `previous_response_id`) must give a conversation to compact.", param: "input")
        }
        return entries
    }

    /// The turn that asks Copilot for the summary of `entries`.
    static func turn(summarising entries: [TurnEntry], model: String?, caller: String) throws(OpenAIError) -> TurnRequest {
        do {
            return try TurnRequest(
                model: model, caller: caller, instructions: [], entries: entries + [.user([.text(instruction)])], space: .responsesCompaction)
        } catch {
            throw ResponsesRequest.wording(error)
        }
    }

    /// The compact resource: the conversation's user messages (a compacted summary's left out: the new
    /// one holds it), then the compaction item.
    static func resource(id: String, createdAt: Int, entries: [TurnEntry], sealed: String, usage: TokenUsage) -> JSONValue {
        var output: [JSONValue] = []
        for case .user(let content) in entries {
            let text = Transcript.text(of: content)
            guard !text.isEmpty, !text.hasPrefix(ResponsesRequest.summaryPreamble) else { continue }
            output.append(.object([
                "type": .string("message"), "id": .string("msg_" + RandomID.hex()), "status": .string("completed"), "role": .string("user"),
                "content": .array([.object(["type": .string("input_text"), "text": .string(text)])]),
            ]))
        }
        output.append(.object(["type": .string("compaction"), "id": .string("cmp_" + RandomID.hex()), "encrypted_content": .string(sealed)]))
        return .object([
            "id": .string(id), "object": .string("response.compaction"), "created_at": .number(Double(createdAt)), "output": .array(output),
            "usage": ResponsesEncoder.usage(usage),
        ])
    }
}
