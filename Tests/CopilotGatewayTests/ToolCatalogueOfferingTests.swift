import NIOCore
import Testing

@testable import CopilotGateway

/// The tool rules every dialect shares, owned by the core (`ToolCatalogue.offering`), and each
/// dialect's words for their problems.
@Suite struct ToolCatalogueOfferingTests {
    func tool(_ name: String?, parameters: JSONValue? = nil, place: String = "tools[0].name") -> DeclaredTool {
        DeclaredTool(name: name, description: nil, parameters: parameters, place: place)
    }

    @Test func noToolsOrAChoiceOfNoneOfferNoCatalogue() throws {
        #expect(try ToolCatalogue.offering([], choice: .required, allowsParallelCalls: true, maxNameLength: 64) == nil)
        #expect(try ToolCatalogue.offering([], choice: .named("ghost"), allowsParallelCalls: true, maxNameLength: 64) == nil)
        #expect(try ToolCatalogue.offering([tool("f")], choice: ToolChoice.none, allowsParallelCalls: true, maxNameLength: 64) == nil)
    }

    @Test func aToolWithoutParametersTakesAnEmptyObjectInEveryDialect() throws {
        let catalogue = try #require(try ToolCatalogue.offering([tool("f")], choice: nil, allowsParallelCalls: false, maxNameLength: 64))
        #expect(catalogue.tools == [OfferedTool(name: "f", description: "", parameters: .object(["type": .string("object"), "properties": .object([:])]))])
        #expect(catalogue.choice == .auto && !catalogue.allowsParallelCalls)
        let anthropic = try MessagesRequest.decodeForTest(#"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f"}]}"#)
        #expect(try anthropic.toolCatalogue().0?.tools.first?.parameters == ToolCatalogue.noParameters)
    }

    @Test func aNamedChoiceMustNameAnOfferedTool() throws {
        #expect(throws: ToolCatalogue.Problem.choiceNotOffered("ghost")) {
            try ToolCatalogue.offering([tool("f")], choice: .named("ghost"), allowsParallelCalls: true, maxNameLength: 64)
        }
        let named = try ToolCatalogue.offering([tool("f")], choice: .named("f"), allowsParallelCalls: true, maxNameLength: 64)
        #expect(named?.choice == .named("f"))
    }

    @Test(arguments: [nil, "", "has space", "名字", String(repeating: "a", count: 65)])
    func aNameOutsideTheRuleIsRefusedWithItsPlace(name: String?) throws {
        #expect(throws: ToolCatalogue.Problem.invalidName(name, place: "tools[3].name", maxLength: 64)) {
            try ToolCatalogue.offering([tool("ok"), tool(name, place: "tools[3].name")], choice: nil, allowsParallelCalls: true, maxNameLength: 64)
        }
    }

    @Test func theNameLimitIsTheDialectsOwn() throws {
        let long = String(repeating: "a", count: 100)
        #expect(try ToolCatalogue.offering([tool(long)], choice: nil, allowsParallelCalls: true, maxNameLength: 128)?.tools.count == 1)
        #expect(throws: ToolCatalogue.Problem.self) { try ToolCatalogue.offering([tool(long)], choice: nil, allowsParallelCalls: true, maxNameLength: 64) }
    }

    @Test func eachDialectWordsTheProblemsWithItsOwnField() throws {
        let chat = ChatCompletionRequest.wording(.invalidName("a b", place: "functions[0].name", maxLength: 64))
        #expect(chat.param == "functions[0].name" && chat.message.contains("1 to 64 letters, digits, underscores or dashes"))
        #expect(ChatCompletionRequest.wording(.choiceNotOffered("g")).param == "tool_choice")
        let responses = try ResponsesRequest.decodeForTest(
            #"{"model":"copilot","input":"hi","tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"g"}}"#)
        #expect(throws: OpenAIError.invalidRequest("`tool_choice.name` must name one of the offered `tools`.", param: "tool_choice.name")) {
            try responses.toolCatalogue()
        }
        let messages = try MessagesRequest.decodeForTest(
            #"{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"a b"}]}"#)
        #expect(throws: AnthropicError.invalidRequest("tools.0.name: must be 1 to 128 letters, digits, underscores or hyphens.")) {
            try messages.toolCatalogue()
        }
    }
}

extension Decodable {
    static func decodeForTest(_ json: String) throws -> Self {
        try JSONBody.decode(Self.self, from: .init(string: json), what: "a test body")
    }
}
