import Foundation
import NIOCore
import Testing

@testable import CopilotGateway

@Suite struct JSONTreeParserTests {
    @Test func readsEveryKindOfValueAsFoundationReadsIt() throws {
        let text = #"""
            {"s": "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 ü", "n": [0, -0, 1, -12, 3.25, -1.5e3, 2E-2, 123456789012345678901],
             "t": true, "f": false, "z": null, "o": {"nested": [[], {}]}, "e": ""}
            """#
        let value = try JSONValue(parsing: text)
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value == foundation)
        #expect(value["s"] == .string("a\"b\\c/d\u{8}\u{c}\n\r\té😀 ü"))
    }

    @Test func aByteOrderMarkAndSurroundingWhitespaceAreSkipped() throws {
        #expect(try JSONValue(parsing: Data([0xEF, 0xBB, 0xBF] + Array(" \n[1]\t ".utf8))) == .array([.number(1)]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", "-", ".5", "1e", "+1", "tru", "nul", "[1] 2", "\"open",
        "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "1e400", "[1 2]", "{\"a\":1 \"b\":2}",
    ])
    func refusesTextThatIsNotJSON(_ text: String) {
        #expect(throws: JSONParseFailure.self) { try JSONValue(parsing: text) }
    }

    @Test func refusesBytesThatAreNotUTF8InsideAString() {
        #expect(throws: JSONParseFailure.self) { try JSONValue(parsing: Data([0x22, 0xFF, 0x22])) }
        #expect(throws: JSONParseFailure.self) { try JSONValue(parsing: Data([0x22, 0x5C, 0x6E, 0xC3, 0x22])) }
    }

    @Test func nestingPastTheLimitIsRefusedAndUpToItIsRead() throws {
        let limits = JSONLimits(depth: 3, values: .max)
        #expect(try JSONValue(parsing: "[[{\"a\":1}]]", limits: limits) == .array([.array([.object(["a": .number(1)])])]))
        #expect(throws: JSONParseFailure.tooDeep(3)) { try JSONValue(parsing: "[[[[1]]]]", limits: limits) }
    }

    @Test func valuesPastTheLimitAreRefusedCountingEveryMemberAndElement() throws {
        let limits = JSONLimits(depth: 8, values: 5)
        #expect(try JSONValue(parsing: "{\"a\":[1,2],\"b\":3}", limits: limits).objectValue?.count == 2)
        #expect(throws: JSONParseFailure.tooManyValues(5)) { try JSONValue(parsing: "[1,2,3,4,5]", limits: limits) }
    }

    @Test func aRequestBodyOfMoreValuesThanARequestNeedsIsRefusedWithItsReason() {
        let values = JSONLimits.requestBody.values
        let body = ByteBuffer(string: "[" + String(repeating: "0,", count: values) + "0]")
        #expect(throws: JSONBody.Problem(message: "The request body holds more than \(values) JSON values; no request to this gateway needs that many.")) {
            _ = try JSONBody.decode([Int].self, from: body, what: "a list")
        }
    }
}

/// The tree decoder words a body's problems as `JSONDecoder` did, so clients see the same errors.
@Suite struct JSONValueDecoderTests {
    struct Sample: Decodable, Equatable {
        struct Inner: Decodable, Equatable {
            var count: Int
            var tags: [String]?
        }
        var name: String
        var flag: Bool?
        var ratio: Double?
        var inner: Inner?
        var items: [Inner]?
        var schema: JSONValue?
    }

    @Test(arguments: [
        #"{"name":"a","flag":true,"ratio":2,"inner":{"count":3,"tags":["x"]},"items":[{"count":1}],"schema":{"type":"object"}}"#,
        #"{"name":1}"#, #"{"flag":true}"#, #"{"name":null}"#, #"{"name":"a","flag":"yes"}"#,
        #"{"name":"a","inner":{"count":"3"}}"#, #"{"name":"a","items":[{"count":1},{"tags":[]}]}"#, #"{"name":"a","items":[{"count":1},null]}"#,
        #"{"name":"a","items":{}}"#, #"{"name":"a","inner":[]}"#, #"{"name":"a","inner":{"count":1,"tags":[1]}}"#, #"[]"#, #""text""#,
        #"{"name":"a","inner":null,"flag":null}"#,
    ])
    func decodesAndFailsAsJSONDecoderDoes(_ text: String) throws {
        let ours = Result { try JSONValueDecoder.decode(Sample.self, from: try JSONValue(parsing: text)) }
        let foundation = Result { try JSONDecoder().decode(Sample.self, from: Data(text.utf8)) }
        switch (ours, foundation) {
        case (.success(let mine), .success(let theirs)):
            #expect(mine == theirs)
        case (.failure(let mine as DecodingError), .failure(let theirs as DecodingError)):
            let tree = (try? JSONValue(parsing: text)) ?? .null
            #expect(JSONBody.Problem(mine, in: tree, what: "a sample") == JSONBody.Problem(theirs, in: tree, what: "a sample"))
        default:
            Issue.record("the tree decoder gave \(ours), JSONDecoder \(foundation)")
        }
    }

    /// Where `JSONDecoder` loses the place (its error has no coding path, so the client was told the
    /// body is not JSON), the tree decoder names the field and why.
    @Test func aNumberThatIsNotAWholeIntIsNamedWithItsField() throws {
        for (text, number) in [(#"{"name":"a","inner":{"count":1.5}}"#, "1.5"), (#"{"name":"a","inner":{"count":1e20}}"#, "1e+20")] {
            let error = try #require(throws: DecodingError.self) { try JSONValueDecoder.decode(Sample.self, from: try JSONValue(parsing: text)) }
            let problem = JSONBody.Problem(error, in: try JSONValue(parsing: text), what: "a sample")
            #expect(problem.message == "Invalid value for 'inner.count': \(number) is not a whole number that fits in Int.")
            #expect(problem.param == "inner.count")
        }
    }

    @Test func aJSONValueMemberIsTheSubtreeAsParsed() throws {
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"a":{"type":"array","items":{"type":"string"}}}}"#)
        let sample = try JSONValueDecoder.decode(Sample.self, from: .object(["name": .string("n"), "schema": schema]))
        #expect(sample.schema == schema)
    }
}
