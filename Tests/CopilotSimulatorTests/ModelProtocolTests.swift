import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotSimulator

/// Catalogues in the gateway's exact format, with MaiBot's planner tools and AstrBot's `future_task`.
enum ProtocolFixtures {
    static func catalogue(_ tools: [(name: String, description: String, schema: String)]) -> String {
        var lines = [
            "TOOLS AVAILABLE IN THIS CONVERSATION",
            "You can call the tools below. To call one, answer with only this, and nothing else:",
            #"<tool_call>{"name": "<tool name>", "arguments": {<arguments as a JSON object>}}</tool_call>"#,
            "For several calls, write one <tool_call> block per call. Use only these tool names and give every required argument.",
            "When no tool is needed, answer normally in plain text. A tool's result comes back as <tool_result name=\"…\" id=\"…\">…</tool_result>.",
            "Tools:",
        ]
        for tool in tools {
            lines.append("### \(tool.name)")
            if !tool.description.isEmpty { lines.append(tool.description) }
            lines.append("Parameters (JSON schema): \(tool.schema)")
        }
        return lines.joined(separator: "\n")
    }

    static let replySchema =
        #"{"type":"object","properties":{"msg_id":{"type":"string"},"reply_reference":{"type":"string"},"reply_style":{"type":"string"}},"required":["msg_id","reply_reference"]}"#
    static let emptySchema = #"{"type":"object","properties":{}}"#
    static let waitSchema = #"{"type":"object","properties":{"seconds":{"type":"integer"}},"required":["seconds"]}"#
    static let futureTaskSchema =
        #"{"type":"object","properties":{"cron_expression":{"type":"string"},"note":{"type":"string"}},"required":["note"]}"#

    /// MaiBot's planner actions: `reply` has a two-line description, `stop` none at all.
    static let maiBot = catalogue([
        ("reply", "Reply to one message of the chat.\nQuote it with reply_reference; reply_style is optional.", replySchema),
        ("no_reply", "Stay silent this time.", emptySchema),
        ("wait", "Wait before deciding again.", waitSchema),
        ("stop", "", emptySchema),
    ])

    /// AstrBot's scheduling tool.
    static let astrBot = catalogue([
        ("future_task", "Schedule a task for later, once or by a cron expression.", futureTaskSchema)
    ])

    static func call(_ name: String, _ arguments: SimulatorJSON = .object([])) -> String {
        SimulatedToolCall(name: name, arguments: arguments).text
    }
}

@Suite struct ModelProtocolTests {
    typealias F = ProtocolFixtures

    func reply(
        _ prompt: String, context: [String] = [], history: [String] = [], messy: Bool = false
    ) -> String {
        SimulatedModel.reply(to: prompt, context: context, history: history, messy: messy).text
    }

    // MARK: Catalogue

    @Test func catalogueParsesSeveralToolsWithMultiLineAndEmptyDescriptions() throws {
        let catalogue = try #require(SimulatedToolCatalogue.parse(F.maiBot))
        #expect(catalogue.tools.map(\.name) == ["reply", "no_reply", "wait", "stop"])
        #expect(catalogue.tools[0].description == "Reply to one message of the chat.\nQuote it with reply_reference; reply_style is optional.")
        #expect(catalogue.tools[3].description == "")
        #expect(catalogue.tools[0].parameters["required"] == ["msg_id", "reply_reference"])
        #expect(catalogue.tools[2].parameters["properties"]?["seconds"]?["type"] == "integer")
        #expect(SimulatedToolCatalogue.parse("no tools here") == nil)
    }

    @Test func catalogueIsFoundInsideALongerText() throws {
        let catalogue = try #require(SimulatedToolCatalogue.parse("Some preamble.\n\n" + F.astrBot))
        let schema = try #require(SimulatorJSON.parse(F.futureTaskSchema))
        #expect(catalogue.tools == [
            SimulatedTool(
                name: "future_task", description: "Schedule a task for later, once or by a cron expression.",
                parameters: schema)
        ])
    }

    @Test func catalogueFromAnEarlierTurnIsRemembered() {
        #expect(reply("Please call wait now", history: [F.maiBot, "hello"]) == F.call("wait", .object([("seconds", 1)])))
    }

    @Test func latestCatalogueWins() {
        let history = [F.maiBot, "first prompt", F.astrBot, "second prompt"]
        #expect(SimulatedToolCatalogue.latest(in: history)?.tools.map(\.name) == ["future_task"])
        #expect(reply("call future_task", history: history) == F.call("future_task", .object([("note", "example")])))
        // `wait` was only in the older catalogue: no call, the default reply.
        #expect(reply("call wait", history: history).hasPrefix("You said: \"call wait\"."))
        // A catalogue in this turn's context replaces the one in the history.
        #expect(reply("call stop", context: [F.maiBot], history: history) == F.call("stop"))
    }

    @Test func noneForThisMessageDisablesTools() {
        let text = reply("call stop", context: ["TOOLS: NONE FOR THIS MESSAGE"], history: [F.maiBot])
        #expect(text == SimulatedReplies.plainReply(to: "call stop", searching: [], contextCount: 1).text)
        #expect(!text.contains("<tool_call>"))
        // The next turn has the tools again.
        #expect(reply("call stop", history: [F.maiBot, "call stop", "TOOLS: NONE FOR THIS MESSAGE"]) == F.call("stop"))
    }

    @Test func catalogueInTheMessageIsNotQuotedOrObeyed() {
        // The catalogue's own "To call one" and "Use only" are not calls; the user's text after it is read.
        #expect(reply(F.maiBot + "\n\nPlease use stop.") == F.call("stop"))
        #expect(reply(F.maiBot + "\n\nHow are you?").hasPrefix("You said: \"How are you?\"."))
    }

    // MARK: Calls

    @Test func callWithoutArgumentsUsesPlaceholdersForRequiredKeys() {
        #expect(
            reply("Please CALL reply to the last message", context: [F.maiBot])
                == #"<tool_call>{"name": "reply", "arguments": {"msg_id": "example", "reply_reference": "example"}}</tool_call>"#)
        #expect(reply("use wait", context: [F.maiBot]) == #"<tool_call>{"name": "wait", "arguments": {"seconds": 1}}</tool_call>"#)
        #expect(reply("call no_reply", context: [F.maiBot]) == #"<tool_call>{"name": "no_reply", "arguments": {}}</tool_call>"#)
    }

    @Test func placeholdersFollowTheTypeEnumAndConst() throws {
        let schema = try #require(
            SimulatorJSON.parse(
                #"{"type":"object","properties":{"s":{"type":"string"},"i":{"type":"integer"},"n":{"type":"number"},"# +
                #""b":{"type":"boolean"},"a":{"type":"array"},"o":{"type":"object"},"e":{"type":"string","enum":["low","high"]},"# +
                #""c":{"const":"fixed"},"u":{"type":["null","integer"]},"x":{}},"required":["s","i","n","b","a","o","e","c","u","x","s"]}"#))
        let arguments = SimulatedModel.placeholderArguments(for: schema)
        #expect(
            SimulatedModel.spacedText(arguments)
                == #"{"s": "example", "i": 1, "n": 1.5, "b": true, "a": [], "o": {}, "e": "low", "c": "fixed", "u": 1, "x": "example"}"#)
    }

    @Test func explicitJSONArgumentsAreUsed() {
        #expect(
            reply(#"Use wait {"seconds": 30} please"#, context: [F.maiBot])
                == F.call("wait", .object([("seconds", 30)])))
        #expect(
            reply(#"call future_task with {"note": "water the {plants}", "cron_expression": "0 8 * * *"}"#, context: [F.astrBot])
                == F.call("future_task", .object([("cron_expression", "0 8 * * *"), ("note", "water the {plants}")])))
        // Not an object: placeholders instead.
        #expect(reply("call wait: [1, 2]", context: [F.maiBot]) == F.call("wait", .object([("seconds", 1)])))
    }

    @Test func severalCallPhrasesGiveSeveralCallsInOrder() {
        let text = reply(#"First call no_reply, then use wait with {"seconds": 5}, and finally call stop."#, context: [F.maiBot])
        #expect(text == [F.call("no_reply"), F.call("wait", .object([("seconds", 5)])), F.call("stop")].joined(separator: "\n"))
    }

    @Test func atMostOneCallKeepsTheFirst() {
        let text = reply("call no_reply and call stop", context: [F.maiBot, "TOOL CHOICE: auto (at most one call)"])
        #expect(text == F.call("no_reply"))
    }

    @Test func phrasesNamingNoOfferedToolAreNotCalls() {
        #expect(reply("call me later, use your judgement", context: [F.maiBot]).hasPrefix("You said:"))
        #expect(reply("call stop").hasPrefix("You said: \"call stop\"."))
    }

    @Test func namedToolChoiceCallsThatToolEvenUnasked() {
        let choice = "TOOL CHOICE: wait (answer with a <tool_call> block calling wait)"
        #expect(reply("Hello there", context: [F.maiBot, choice]) == F.call("wait", .object([("seconds", 1)])))
        // The prompt's other calls are dropped; its call to the named tool keeps its arguments.
        #expect(reply(#"call stop and call wait {"seconds": 9}"#, context: [F.maiBot, choice]) == F.call("wait", .object([("seconds", 9)])))
        // As a line of the message text, too (and not quoted).
        #expect(reply("Hello\nTOOL CHOICE: stop", history: [F.maiBot]) == F.call("stop"))
    }

    @Test func requiredToolChoiceCallsTheFirstToolUnlessThePromptAsksForAnother() {
        let choice = "TOOL CHOICE: required (answer with a <tool_call> block)"
        #expect(
            reply("What now?", context: [F.maiBot, choice])
                == F.call("reply", .object([("msg_id", "example"), ("reply_reference", "example")])))
        #expect(reply("use no_reply", context: [F.maiBot, choice]) == F.call("no_reply"))
        // Without a catalogue there is nothing to call.
        #expect(reply("What now?", context: [choice]).hasPrefix("You said:"))
    }

    // MARK: Tool results

    @Test func toolResultsAreQuoted() {
        let one = "<tool_result name=\"wait\" id=\"call_1\">\nwaited 5 seconds\n</tool_result>"
        #expect(reply(one, history: [F.maiBot]) == "The wait tool returned: waited 5 seconds")

        let two = "Here you go:\n" + one + "\n<tool_result name=\"future_task\" id=\"call_2\">\n{\"ok\": true}\n</tool_result>\nThanks, call stop."
        #expect(
            reply(two, context: ["JSON MODE: answer with one JSON object only"], history: [F.maiBot])
                == "The wait tool returned: waited 5 seconds The future_task tool returned: {\"ok\": true}")
    }

    @Test func toolResultsAreReadFromTheTurnReading() {
        let results = SimulatedTurnReading.toolResults(in: "<tool_result name=\"a\" id=\"1\">\nx\ny\n</tool_result>")
        #expect(results == [.init(name: "a", id: "1", content: "x\ny")])
    }

    // MARK: JSON mode

    @Test func jsonModeAnswersWithOneSentence() {
        let jsonMode = "JSON MODE: answer with one JSON object only"
        #expect(reply("Describe the weather. Be brief.", context: [jsonMode]) == #"{"answer": "You said: \"Describe the weather. Be brief.\"."}"#)
        #expect(reply("REPLY `Sunny. Warm.` ONLY", context: [jsonMode]) == #"{"answer": "Sunny."}"#)
        #expect(reply("What is the codeword?", context: [jsonMode], history: ["the codeword is kiwi"]) == #"{"answer": "The codeword is kiwi."}"#)
        // Directive lines in the message are not quoted.
        #expect(reply("Hi\n" + jsonMode) == #"{"answer": "You said: \"Hi\"."}"#)
    }

    @Test func jsonModeAddsTheSchemasRequiredKeysAndFirstEnumValue() {
        let schema =
            #"{"type":"object","properties":{"mood":{"type":"string","enum":["happy","sad"]},"score":{"type":"integer"},"tags":{"type":"array"},"answer":{"type":"string"}},"required":["mood","score","tags","answer"]}"#
        let text = reply("How do you feel?", context: ["JSON MODE: answer with one JSON object only\nJSON SCHEMA: " + schema])
        #expect(text == #"{"answer": "You said: \"How do you feel?\".", "mood": "happy", "score": 1, "tags": []}"#)
        #expect(SimulatorJSON.parse(text) != nil)
    }

    @Test func jsonModeLeavesAnswerOutOfAClosedSchema() {
        let schema = #"{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"],"additionalProperties":false}"#
        let text = reply("Is it ok?", context: ["JSON MODE: answer with one JSON object only", "JSON SCHEMA: " + schema])
        #expect(text == #"{"ok": true}"#)
    }

    @Test func aCallWinsOverJSONMode() {
        #expect(reply("call stop", context: [F.maiBot, "JSON MODE: answer with one JSON object only"]) == F.call("stop"))
    }

    // MARK: Corrections

    @Test func correctiveFollowUpAsksForANamedCall() {
        let correction = "GATEWAY CORRECTION: Your last answer was not a valid call. Answer again with only a <tool_call> block calling wait."
        #expect(reply(correction, history: [F.maiBot, "Hi", "TOOL CHOICE: wait"]) == F.call("wait", .object([("seconds", 1)])))
        let gatewayText =
            "GATEWAY CORRECTION: Answer again with only a <tool_call> block calling wait, with every required argument, and nothing else."
        #expect(reply(gatewayText, history: [F.maiBot]) == F.call("wait", .object([("seconds", 1)])))
    }

    @Test func correctiveFollowUpAsksForAnyCall() {
        let correction = "GATEWAY CORRECTION: Answer again with only a <tool_call> block."
        #expect(reply(correction, history: [F.astrBot]) == F.call("future_task", .object([("note", "example")])))
        // "calling one of the tools" names no tool: the first one is called.
        let gatewayText =
            "GATEWAY CORRECTION: Answer again with only a <tool_call> block calling one of the tools, with every required argument, and nothing else."
        #expect(
            reply(gatewayText, history: [F.maiBot])
                == F.call("reply", .object([("msg_id", "example"), ("reply_reference", "example")])))
    }

    @Test func correctiveFollowUpInTheGatewaysWordsAsksForJSONWithItsSchema() {
        let correction = """
            GATEWAY CORRECTION: Answer again with only one JSON object, no code fence and no other text.
            JSON MODE: answer with one JSON object only (no code fence, no text before or after it).
            JSON SCHEMA: {"type":"object","properties":{"n":{"type":"number"}},"required":["n"]}
            """
        let text = reply(correction, history: ["Count", "JSON MODE: answer with one JSON object only"])
        let sentence = "You said: \\\"GATEWAY CORRECTION: Answer again with only one JSON object, no code fence and no other text.\\\"."
        #expect(text == #"{"answer": ""# + sentence + #"", "n": 1.5}"#)
    }

    @Test func correctiveFollowUpAsksForJSONWithTheEarlierSchema() {
        let schema = #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"#
        let history = ["Where?", "JSON MODE: answer with one JSON object only\nJSON SCHEMA: " + schema]
        let text = reply("GATEWAY CORRECTION: Answer again with only a JSON object.", history: history)
        #expect(text == #"{"answer": "You said: \"GATEWAY CORRECTION: Answer again with only a JSON object.\".", "city": "example"}"#)
    }

    // MARK: Messy mode

    @Test func messyCallsAreFencedWithProseAndATrailingComma() {
        let text = reply(#"call future_task {"note": "stand up"}"#, context: [F.astrBot], messy: true)
        #expect(text == reply(#"call future_task {"note": "stand up"}"#, context: [F.astrBot], messy: true))
        #expect(text.contains("\n```json\n{\"name\": \"future_task\", \"arguments\": {\"note\": \"stand up\",}}\n```\n"))
        #expect(!text.hasPrefix("```") && !text.hasSuffix("```"))
        #expect(!text.contains("<tool_call>"))
        #expect(reply("call stop", context: [F.maiBot], messy: true).contains(#"{"name": "stop", "arguments": {},}"#))
    }

    @Test func messyCallsParseOnceTheTrailingCommaIsGone() throws {
        let text = reply("call no_reply and use wait", context: [F.maiBot], messy: true)
        let fenced = try #require(fenceBody(text))
        let objects = fenced.split(separator: "\n").map { SimulatorJSON.parse(String($0.replacing(",}", with: "}"))) }
        #expect(objects == [
            .object([("name", "no_reply"), ("arguments", .object([]))]),
            .object([("name", "wait"), ("arguments", .object([("seconds", 1)]))]),
        ])
    }

    @Test func messyJSONHasAFenceATrailingCommaAndSingleQuotes() throws {
        let schema = #"{"type":"object","properties":{"note":{"type":"string"}},"required":["note"]}"#
        let context = ["JSON MODE: answer with one JSON object only", "JSON SCHEMA: " + schema]
        let text = reply("Note it", context: context, messy: true)
        #expect(text == reply("Note it", context: context, messy: true))
        let body = try #require(fenceBody(text))
        // The answer quotes the prompt with double quotes, so the plain "example" gets the single quotes.
        #expect(body == #"{"answer": "You said: \"Note it\".", "note": 'example',}"#)
        #expect(!text.hasPrefix("```"))
    }

    @Test func messySingleQuotesEscapeApostrophes() {
        #expect(MessyOutput.untidyObject(.object([("answer", "It's \"x\"")])) == #"{"answer": 'It\'s "x"',}"#)
        #expect(MessyOutput.untidyObject(.object([("n", 1)])) == #"{"n": 1,}"#)
    }

    @Test func messyModeLeavesPlainRepliesAlone() {
        #expect(reply("Hello", messy: true) == reply("Hello"))
        let result = "<tool_result name=\"stop\" id=\"c\">\ndone\n</tool_result>"
        #expect(reply(result, history: [F.maiBot], messy: true) == "The stop tool returned: done")
    }

    @Test func legacyEntryPointReadsTheLastContextTextsAsThisTurns() {
        let text = SimulatedReplies.reply(to: "Hi", conversationText: [F.maiBot, "TOOL CHOICE: stop"], contextCount: 1)
        #expect(text.text == F.call("stop"))
        // An old turn's TOOL CHOICE does not apply.
        #expect(SimulatedReplies.reply(to: "Hi", conversationText: [F.maiBot, "TOOL CHOICE: stop"]).text.hasPrefix("You said:"))
    }

    /// The text between the first ```` ```json ```` line and the next ```` ``` ```` line.
    func fenceBody(_ text: String) -> String? {
        guard let open = text.range(of: "```json\n"), let close = text.range(of: "\n```", range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }

    // MARK: Through the HTTP routes

    func finalReplyText(_ response: TestResponse) -> String? {
        response.json?["messages"]?.arrayValue?.last?["text"]?.stringValue
    }

    func streamedFinalText(_ response: TestResponse) -> String? {
        parseSSE(response.text).last?.json?["messages"]?.arrayValue?.last?["text"]?.stringValue
    }

    @Test func chatRouteAnswersWithACallThenQuotesTheResult() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let first = try await client.chat(id, chatBody(#"Please call wait {"seconds": 3}"#, context: [F.maiBot]))
            #expect(finalReplyText(first) == F.call("wait", .object([("seconds", 3)])))
            // The catalogue is not sent again; the conversation remembers it.
            let second = try await client.chat(id, chatBody("Now use stop"))
            #expect(finalReplyText(second) == F.call("stop"))
            let result = "<tool_result name=\"stop\" id=\"call_9\">\nstopped\n</tool_result>"
            let third = try await client.chat(id, chatBody(result))
            #expect(finalReplyText(third) == "The stop tool returned: stopped")
            #expect(await simulator.conversation(id: id)?.turns.map(\.reply) == [
                F.call("wait", .object([("seconds", 3)])), F.call("stop"), "The stop tool returned: stopped",
            ])
        }
    }

    @Test func streamRouteSplitsTheCallAcrossSnapshotsAndEndsWithIt() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(snapshotCount: 6, eventDelay: .zero))
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let choice = "TOOL CHOICE: reply (answer with a <tool_call> block calling reply)"
            let response = try await client.stream(id, chatBody("Answer the user", context: [F.maiBot, choice]))
            let expected = F.call("reply", .object([("msg_id", "example"), ("reply_reference", "example")]))
            #expect(streamedFinalText(response) == expected)
            let partials = parseSSE(response.text).compactMap(partialText)
            #expect(partials.last == expected)
            #expect(partials.dropLast().allSatisfy { expected.hasPrefix($0) && $0 != expected })
            #expect(partials.contains { $0.contains("<tool_call>") && !$0.contains("</tool_call>") })
        }
    }

    @Test func streamRouteAnswersInJSONMode() async throws {
        let (_, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            let schema = #"{"type":"object","properties":{"level":{"enum":["info","warn"]}},"required":["level"]}"#
            let response = try await client.stream(
                id, chatBody("Rate it", context: ["JSON MODE: answer with one JSON object only", "JSON SCHEMA: " + schema]))
            #expect(streamedFinalText(response) == #"{"answer": "You said: \"Rate it\".", "level": "info"}"#)
        }
    }

    @Test func messyOptionAppliesToEveryTurnDeterministically() async throws {
        let (_, app) = makeSimulatorApp(SimulatorOptions(eventDelay: .zero, messyOutput: true))
        try await app.test(.router) { client in
            var texts: [String] = []
            for _ in 0..<2 {
                let id = try await client.createConversation()
                texts.append(finalReplyText(try await client.chat(id, chatBody("call stop", context: [F.maiBot]))) ?? "")
                let streamed = try await client.stream(id, chatBody("call stop"))
                #expect(streamedFinalText(streamed) == texts.last)
            }
            #expect(texts[0] == texts[1])
            #expect(texts[0] == reply("call stop", context: [F.maiBot], messy: true))
            #expect(texts[0].contains("```json") && texts[0].contains(",}"))
        }
    }

    @Test func messyFaultAppliesToCountTurnsOnly() async throws {
        let (simulator, app) = makeSimulatorApp()
        try await app.test(.router) { client in
            let id = try await client.createConversation()
            try await client.addFault(#"{"kind":"messy","endpoint":"stream"}"#)
            #expect(finalReplyText(try await client.chat(id, chatBody("call stop", context: [F.maiBot]))) == F.call("stop"))
            let messy = streamedFinalText(try await client.stream(id, chatBody("call stop")))
            #expect(messy == reply("call stop", context: [F.maiBot], messy: true))
            #expect(messy?.contains("```json\n") == true && messy?.contains(",}") == true)
            #expect(await simulator.pendingFaults.isEmpty)
            #expect(streamedFinalText(try await client.stream(id, chatBody("call stop"))) == F.call("stop"))

            await simulator.addFault(SimulatorFault(kind: .messy, count: 2, endpoint: .chat))
            for _ in 0..<2 {
                let text = finalReplyText(try await client.chat(id, chatBody("call stop")))
                #expect(text?.contains("```json") == true)
            }
            #expect(finalReplyText(try await client.chat(id, chatBody("call stop"))) == F.call("stop"))
        }
    }

    @Test func messyFaultTargetsOnlyChatEndpoints() {
        let fault = SimulatorFault(kind: .messy)
        #expect(fault.matches(.chat) && fault.matches(.stream))
        #expect(!fault.matches(.create) && !fault.matches(.refreshGrant))
    }
}
