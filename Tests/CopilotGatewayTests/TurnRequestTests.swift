import HTTPTypes
import Testing

@testable import CopilotGateway

/// The Chat Completions decoder and the neutral turn it makes.
@Suite struct TurnRequestTests {
    func prepare(_ messages: [ChatMessage]) throws(OpenAIError) -> TurnRequest {
        try ChatCompletionRequest(messages: messages).turnRequest(caller: "anonymous", headers: [:])
    }

    @Test func takesTheNewestUserTurnAsThePromptAndTheRestAsHistory() throws {
        let turn = try prepare([
            .init(role: .system, content: .text("You are Mika.")),
            .init(role: .user, content: .text("hi")),
            .init(role: .assistant, content: .parts([.text("hello!")])),
            .init(role: .user, content: .text("how are you?")),
        ])
        #expect(turn.prompt == "how are you?")
        #expect(turn.instructions == "You are Mika.")
        #expect(turn.history == [.user([.text("hi")]), .assistant([.text("hello!")])])
        #expect(turn.model == "copilot")
    }

    @Test func liftsSystemRemindersOutOfThePrompt() throws {
        let turn = try prepare([
            .init(role: .user, content: .parts([.text("PONG?"), .text("<system_reminder>Current datetime: 2026-11-24 18:01</system_reminder>")]))
        ])
        #expect(turn.prompt == "PONG?")
        #expect(turn.reminders == ["Current datetime: 2026-11-24 18:01"])
    }

    @Test func replacesImagesWithANoteInsteadOfFailing() throws {
        let turn = try prepare([.init(role: .user, content: .parts([.image(url: "data:image/png;base64,AAAA")]))])
        #expect(turn.prompt.contains("image"))
    }

    @Test func rendersToolResultsAfterTheLastAssistantTurn() throws {
        var call = ChatMessage(role: .assistant, content: nil)
        call.toolCalls = [.init(id: "call_1", function: .init(name: "get_time", arguments: "{}"))]
        var result = ChatMessage(role: .tool, content: .text("12:00"))
        result.toolCallID = "call_1"
        let turn = try prepare([.init(role: .user, content: .text("time?")), call, result])
        #expect(turn.prompt == "<tool_result name=\"get_time\" id=\"call_1\">\n12:00\n</tool_result>")
        #expect(turn.history.last.flatMap(Transcript.text(of:))?.contains("get_time") == true)
    }

    @Test(arguments: [
        [ChatMessage](),
        [ChatMessage(role: .user, content: .text("   "))],
        [ChatMessage(role: .user, content: .text("hi")), ChatMessage(role: .assistant, content: .text("hello"))],
    ])
    func rejectsRequestsWithNothingToAnswer(messages: [ChatMessage]) {
        #expect(throws: OpenAIError.self) { try prepare(messages) }
    }

    /// OpenAI answers a request of only system or developer messages; Copilot is sent them as the turn.
    @Test func onlyInstructionsAreTheTurnItself() throws {
        let turn = try prepare([
            ChatMessage(role: .system, content: .text("Say hello.")), ChatMessage(role: .developer, content: .text("In French.")),
        ])
        #expect(turn.instructions == nil)
        #expect(turn.newTurn == [.user([.text("Say hello.\n\nIn French.")])])
    }

    @Test func remindersAreFoundInAnyCaseAndOnlyWhereThereIsATag() {
        #expect(SystemReminders.hasTag("a <System_Reminder>x</system_reminder>"))
        #expect(SystemReminders.hasTag("<SYSTEM_REMINDER>"))
        #expect(!SystemReminders.hasTag("<system_remind"))
        #expect(!SystemReminders.hasTag("<Person>Ann</Person> and system_reminder without its bracket"))
        #expect(SystemReminders.extract(from: " hi <SYSTEM_REMINDER> now 9:00 </SYSTEM_REMINDER> ") == ("hi", ["now 9:00"]))
    }
}
