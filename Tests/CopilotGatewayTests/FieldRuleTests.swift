import Testing

@testable import CopilotGateway

@Suite struct FieldRuleTests {
    func violation(_ rule: FieldRule, _ json: String) throws -> JSONBody.Problem? {
        rule.violation(in: try JSONValue(parsing: json))
    }

    @Test func anAbsentFieldPassesUnlessRequiredAndNullOnlyWhenNullable() throws {
        #expect(try violation(FieldRule("n", .integer(min: 1, max: 2)), "{}") == nil)
        #expect(try violation(FieldRule("n", .integer(min: 1, max: 2), required: true), "{}")?.reason == .missing)
        #expect(try violation(FieldRule("n", .integer(min: 1, max: 2)), #"{"n":null}"#) == nil)
        #expect(try violation(FieldRule("n", .integer(min: 1, max: 2), nullable: false), #"{"n":null}"#)?.reason == .wrongType(expected: "an integer", got: "null"))
    }

    @Test func numbersAreCheckedForKindAndRange() throws {
        let integer = FieldRule("n", .integer(min: 1, max: 128))
        #expect(try violation(integer, #"{"n":1.5}"#)?.reason == .wrongType(expected: "an integer", got: "a decimal"))
        #expect(try violation(integer, #"{"n":0}"#)?.reason == .invalid("must be at least 1 (got 0)"))
        #expect(try violation(integer, #"{"n":"3"}"#)?.param == "n")
        let number = FieldRule("t", .number(min: 0, max: 2))
        #expect(try violation(number, #"{"t":2}"#) == nil)
        #expect(try violation(number, #"{"t":2.5}"#)?.message == "Invalid value for 't': must be at most 2 (got 2.5).")
    }

    @Test func nestedFieldsEnumsListsAndMetadataAreChecked() throws {
        #expect(try violation(FieldRule("reasoning.effort", .oneOf(["low", "high"])), #"{"reasoning":{"effort":"max"}}"#)?.param == "reasoning.effort")
        #expect(try violation(FieldRule("reasoning.effort", .oneOf(["low"])), #"{"reasoning":"x"}"#) == nil, "the parent's own rule judges it")
        #expect(try violation(FieldRule("stop", .stringOrStrings(maxCount: 4)), #"{"stop":["a",1]}"#)?.param == "stop[1]")
        let metadata = FieldRule("metadata", .metadata)
        #expect(try violation(metadata, #"{"metadata":{"a":"b"}}"#) == nil)
        #expect(try violation(metadata, #"{"metadata":{"a":true}}"#)?.reason == .wrongType(expected: "a string", got: "a boolean"))
        let many = "{" + (0...16).map { #""k\#($0)":"v""# }.joined(separator: ",") + "}"
        #expect(try violation(metadata, #"{"metadata":\#(many)}"#)?.reason == .invalid("must hold at most 16 keys (got 17)"))
    }

    @Test func eachDialectWordsAProblemItsOwnWay() {
        let problem = JSONBody.Problem(path: ["messages", "0", "content"], reason: .wrongType(expected: "an array", got: "an integer"))
        #expect(OpenAIError(problem).message == "Invalid type for 'messages[0].content': expected an array, but got an integer instead.")
        #expect(OpenAIError(problem).code == "invalid_type")
        #expect(AnthropicError(problem).message == "messages.0.content: Input should be a valid list")
    }
}
