import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CopilotGateway

/// Requests built to hurt: schemas nested thousands deep, invalid function names, bytes that are not
/// UTF-8. Each is answered at once with a 400 that says what is wrong, and never reaches Copilot.
@Suite struct HostileRequestTests {
    /// `{"type":"object","properties":{"a":{…}}}` nested `depth` objects deep (two JSON levels each).
    static func nestedSchema(depth: Int) -> [String: Any] {
        var schema: [String: Any] = ["type": "string"]
        for _ in 0..<depth { schema = ["type": "object", "properties": ["a": schema]] }
        return schema
    }

    static func tool(named name: String, parameters: [String: Any] = ["type": "object", "properties": [:]]) -> [String: Any] {
        ["type": "function", "function": ["name": name, "description": "d", "parameters": parameters]]
    }

    /// 500 JSON levels: below Foundation's own limit of 512, so the request reaches the gateway's
    /// decoding (which took about a second of CPU at this depth before it read values by kind).
    @Test func aToolSchemaNestedHundredsDeepIsRefusedQuicklyWithA400NamingTools() async throws {
        try await GatewayHarness.run { client, simulator in
            // The fastest of three: the other suites running beside this one can stall any single request.
            var fastest = Duration.seconds(3600)
            var answered: TestResponse?
            for _ in 0..<3 {
                let started = ContinuousClock.now
                answered = try await client.chat([
                    "messages": [["role": "user", "content": "hi"]], "tools": [Self.tool(named: "deep", parameters: Self.nestedSchema(depth: 250))],
                ])
                fastest = min(fastest, ContinuousClock.now - started)
            }
            #expect(fastest < .seconds(2))
            let response = try #require(answered)
            #expect(response.status == .badRequest)
            let error = try response.openAIError
            #expect(error["param"] as? String == "tools")
            #expect((error["message"] as? String)?.contains("more than 64 levels deep") == true)
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }

    @Test func aDeepResponseSchemaIsRefusedNamingResponseFormat() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat([
                "messages": [["role": "user", "content": "hi"]],
                "response_format": ["type": "json_schema", "json_schema": ["name": "x", "schema": Self.nestedSchema(depth: 40)]],
            ])
            #expect(response.status == .badRequest)
            #expect(try response.openAIError["param"] as? String == "response_format")
        }
    }

    @Test func aSchemaNestedWithinTheLimitIsAcceptedWhole() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chat([
                "messages": [["role": "user", "content": "hi"]], "tools": [Self.tool(named: "nested", parameters: Self.nestedSchema(depth: 25))],
            ])
            #expect(response.status == .ok)
        }
    }

    @Test(arguments: ["", "has space", String(repeating: "a", count: 65), "名字", "a.b", "call()", "tab\tname"])
    func anInvalidFunctionNameIsA400NamingTheToolAndNeverReachesCopilot(name: String) async throws {
        try await GatewayHarness.run { client, simulator in
            let response = try await client.chat([
                "messages": [["role": "user", "content": "hi"]], "tool_choice": "required",
                "tools": [Self.tool(named: "fine_name-1"), Self.tool(named: name)],
            ])
            #expect(response.status == .badRequest)
            let error = try response.openAIError
            #expect(error["param"] as? String == "tools[1].function.name")
            #expect((error["message"] as? String)?.contains("1 to 64 letters, digits, underscores or dashes") == true)
            let legacy = try await client.chat(["messages": [["role": "user", "content": "hi"]], "functions": [["name": name]]])
            #expect(try legacy.openAIError["param"] as? String == "functions[0].name")
            #expect(await simulator.recordedRequests.isEmpty)
        }
    }

    @Test func aBodyThatIsNotUTF8SaysSo() async throws {
        try await GatewayHarness.run { client, _ in
            var body = ByteBuffer(string: #"{"model":"copilot","messages":[{"role":"user","content":"caf"#)
            body.writeBytes([0xE9, 0xFF])
            body.writeString(#""}]}"#)
            let response = try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(response.status == .badRequest)
            let message = try #require(try response.openAIError["message"] as? String)
            #expect(message.contains("not valid UTF-8") && message.contains("offset 60"))
        }
    }

    @Test(arguments: [#"a\ud800b"#, #"\udc00"#, #"x\ud83d"#])
    func aLoneSurrogateEscapeSaysSo(content: String) async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chatRaw(#"{"model":"copilot","messages":[{"role":"user","content":""# + content + #""}]}"#)
            #expect(response.status == .badRequest)
            let message = try #require(try response.openAIError["message"] as? String)
            #expect(message.contains("surrogate"))
        }
    }

    @Test func aSurrogatePairIsOneCharacterAndFine() async throws {
        try await GatewayHarness.run { client, _ in
            let response = try await client.chatRaw(#"{"model":"copilot","messages":[{"role":"user","content":"smile \ud83d\ude00"}]}"#)
            #expect(response.status == .ok)
        }
    }

    @Test func theNestingScanIgnoresBracketsInStringsAndNamesTheMember() {
        let quoted = #"{"model":"copilot","messages":"[[[[[[[[[[\"{{{{{{{{","tools":[]}"#
        #expect(JSONNesting.excess(in: Array(quoted.utf8), limit: 3) == nil)
        let deep = #"{"a":1,"tools":[[[["x"]]]]}"#
        #expect(JSONNesting.excess(in: Array(deep.utf8), limit: 4) == .init(member: "tools"))
        #expect(JSONNesting.excess(in: Array("[[[[[]]]]]".utf8), limit: 4) == .init(member: nil))
    }

    @Test func aJSONValueDecodesEveryKindAndRefusesNestingBeyondItsBound() throws {
        let text = #"{"a":[1,2.5,"s",true,null,{"b":false}],"c":{}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value == .object([
            "a": .array([.number(1), .number(2.5), .string("s"), .bool(true), .null, .object(["b": .bool(false)])]), "c": .object([:]),
        ]))
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(JSONValue.self, from: Data(deep.utf8)) }
    }
}
