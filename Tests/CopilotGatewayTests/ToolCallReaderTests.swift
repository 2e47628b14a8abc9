import Foundation
import Testing

@testable import CopilotGateway

@Suite struct ToolCallReaderTests {
    static let weather = OfferedTool(
        name: "get_weather", description: "Weather for a city.",
        parameters: .object([
            "type": .string("object"), "properties": .object(["city": .object(["type": .string("string")])]),
            "required": .array([.string("city")]),
        ]))
    static let stop = OfferedTool(name: "stop", description: "", parameters: .object(["type": .string("object")]))

    func catalogue(_ choice: ToolChoice = .auto, parallel: Bool = true) -> ToolCatalogue {
        ToolCatalogue(tools: [Self.weather, Self.stop], choice: choice, allowsParallelCalls: parallel)
    }

    func calls(_ text: String, _ catalogue: ToolCatalogue? = nil) -> [CopilotToolCall] {
        ToolCallReader.read(text, catalogue: catalogue ?? self.catalogue())?.calls ?? []
    }

    @Test(arguments: [
        #"<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>"#,
        "```json\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\",}}\n```",
        "Sure! I'll check.\n<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>\nAnything else?",
        #"<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Paris'}}</tool_call>"#,
        #"<tool_call>{"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}</tool_call>"#,
        #"<tool_call>{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}"#,
        #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#,
    ])
    func readsACallInTheFormatOrCloseToIt(reply: String) {
        let read = calls(reply)
        #expect(read.map(\.name) == ["get_weather"])
        #expect(read.first?.arguments == #"{"city":"Paris"}"#)
        #expect(read.first?.id.hasPrefix("call_") == true)
    }

    @Test(arguments: [
        "I could call get_weather for you if you like.",
        #"<tool_call>{"name": "send_mail", "arguments": {}}</tool_call>"#,
        #"<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>"#,
        #"<tool_call>{"name": "get_weather", "arguments": ["Paris"]}</tool_call>"#,
        "Here is some JSON:\n```json\n{\"city\": \"Paris\"}\n```",
        "```json\n{\"name\": \"get_weather\"}\n```",
        "",
    ])
    func neverTurnsOtherRepliesIntoCalls(reply: String) {
        #expect(ToolCallReader.read(reply, catalogue: catalogue()) == nil)
    }

    @Test func keepsTheProseBeforeTheCall() {
        guard let (_, leading) = ToolCallReader.read("Let me look.\n<tool_call>{\"name\":\"stop\",\"arguments\":{}}</tool_call>", catalogue: catalogue()) else {
            Issue.record("expected a call")
            return
        }
        #expect(leading == "Let me look.")
    }

    @Test func readsSeveralCallsUnlessParallelCallsAreOff() {
        let reply = #"<tool_call>{"name":"get_weather","arguments":{"city":"Paris"}}</tool_call><tool_call>{"name":"stop","arguments":{}}</tool_call>"#
        #expect(calls(reply).map(\.name) == ["get_weather", "stop"])
        #expect(calls(reply, catalogue(parallel: false)).map(\.name) == ["get_weather"])
        #expect(Set(calls(reply).map(\.id)).count == 2)
    }

    @Test func aNamedToolChoiceAcceptsOnlyThatTool() {
        #expect(calls(#"<tool_call>{"name":"stop","arguments":{}}</tool_call>"#, catalogue(.named("get_weather"))).isEmpty)
    }

    @Test func theCatalogueDescribesEveryToolAndItsDigestFollowsTheTools() {
        let text = CopilotPrompt.catalogue(catalogue())
        #expect(text.hasPrefix(CopilotPrompt.catalogueHeader))
        #expect(text.contains("### get_weather\nWeather for a city.\nParameters (JSON schema): {\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"],\"type\":\"object\"}"))
        #expect(text.contains("<tool_call>"))
        let digest = CopilotPrompt.catalogueDigest
        #expect(digest(catalogue()) == digest(catalogue(.required)), "the choice is sent per turn, not in the catalogue")
        #expect(digest(catalogue()) != digest(ToolCatalogue(tools: [Self.weather], choice: .auto, allowsParallelCalls: true)))
    }

    @Test func theChoiceTextSaysWhatIsAllowed() {
        #expect(CopilotPrompt.choice(catalogue(.required)).hasPrefix("TOOL CHOICE: required"))
        #expect(CopilotPrompt.choice(catalogue(.named("stop"))).hasPrefix("TOOL CHOICE: stop"))
        #expect(CopilotPrompt.choice(catalogue(.auto, parallel: false)) == "TOOL CHOICE: auto (at most one call)")
    }

    @Test func streamingHoldsBackOnlyWhatMayBecomeACall() {
        #expect(ToolCallReader.textBeforePossibleCall("Hello there") == "Hello there")
        #expect(ToolCallReader.textBeforePossibleCall("Hello <tool_call>{\"na") == "Hello ")
        #expect(ToolCallReader.textBeforePossibleCall("Hello <tool_") == "Hello ")
        #expect(ToolCallReader.textBeforePossibleCall("Hello <b>x</b>") == "Hello <b>x</b>")
        #expect(ToolCallReader.textBeforePossibleCall("Code:\n```swift\nlet a = 1") == "Code:\n")
        #expect(ToolCallReader.textBeforePossibleCall("Code:\n```swift\nlet a = 1\n```\nDone") == "Code:\n```swift\nlet a = 1\n```\nDone")
        #expect(ToolCallReader.textBeforePossibleCall("```json\n{\"name\": \"stop\"}\n```") == "")
        #expect(ToolCallReader.textBeforePossibleCall("  {\"name\": ") == "")
    }

    @Test(arguments: [
        "Here is the code:\n```python\nprint(1)\n```",
        "```json\n{\"a\": 1}\n```",
        "Here:\n```\nx\n```\n.",
        "a ``` b ``` c ``` d",
        "<tool_call>{\"name\": \"stop\"}</tool_call> and ```",
    ])
    func everyStreamedPrefixIsSafeToHoldBack(reply: String) {
        // Snapshot by snapshot, as a stream delivers it: never a crash, always a prefix.
        for end in reply.indices.dropFirst() + [reply.endIndex] {
            let prefix = String(reply[..<end])
            #expect(prefix.hasPrefix(ToolCallReader.textBeforePossibleCall(prefix)))
        }
        #expect(ToolCallReader.textBeforePossibleCall("Here is the code:\n```python\nprint(1)\n```\nDone.") == "Here is the code:\n```python\nprint(1)\n```\nDone.")
    }

    @Test func anUnusableCallIsSentBackForCorrectionEvenWhenOptional() {
        let reading = ReplyReading.of(#"<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>"#, tools: catalogue(), format: .text)
        guard case .needsCorrection(let need) = reading else {
            Issue.record("expected a correction, got \(reading)")
            return
        }
        let text = CopilotPrompt.correction(need, format: .text)
        #expect(text.contains("calling get_weather") && text.contains("city"))
        #expect(ToolCallReader.withoutCallBlocks("Sure. <tool_call>{}</tool_call> Bye.") == "Sure.  Bye.")
    }

    @Test func readsJSONModeRepliesAndChecksRequiredKeys() {
        let schema = JSONValue.object(["type": .string("object"), "required": .array([.string("mood")])])
        #expect(ToolCallReader.readJSON("Sure:\n```json\n{'mood': 'happy', 'score': 3,}\n```", schema: schema) == #"{"mood":"happy","score":3}"#)
        #expect(ToolCallReader.readJSON(#"{"score": 3}"#, schema: schema) == nil)
        #expect(ToolCallReader.readJSON("no json here", schema: nil) == nil)
        #expect(ToolCallReader.readJSON(#"{"ok": True, "none": None}"#, schema: nil) == #"{"none":null,"ok":true}"#)
    }

    @Test func aRequiredCallThatIsMissingAsksAgain() {
        let reading = ReplyReading.of("Just text.", tools: catalogue(.required), format: .text)
        guard case .needsCorrection(let need) = reading else {
            Issue.record("expected a correction, got \(reading)")
            return
        }
        #expect(need == .callRequired(nil))
        #expect(CopilotPrompt.correction(need, format: .text).hasPrefix("GATEWAY CORRECTION:"))
    }
}
