import Foundation
import HummingbirdTesting
import Testing

@testable import CopilotGateway

/// A request the HTTP parser refuses before any route sees it is still answered in the shape of the
/// path it was sent to: Anthropic's on the Messages paths (with a `request-id`), OpenAI's on the
/// OpenAI paths whatever headers came, and on the routes of no dialect by `anthropic-version`.
@Suite struct ParseErrorShapeTests {
    static let brokenHeaders = [
        "X-Bad: a\u{0}b\r\n", "X-Folded: a\r\n b\r\n", "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", "Content-Length: 2, 3\r\n",
        "NoColonHere\r\n",
    ]

    enum Shape { case openAI, anthropic }

    @Test(arguments: [
        ("POST /v1/messages", "", Shape.anthropic), ("POST /v1/messages/count_tokens", "", .anthropic), ("POST /v1/messages/", "", .anthropic),
        ("FOO /v1/messages?x=1", "", .anthropic), ("POST /v1/chat/completions", "anthropic-version: 2023-06-01\r\n", .openAI),
        ("POST /v1/responses", "anthropic-version: 2023-06-01\r\n", .openAI), ("GET /v1/models", "Anthropic-Version: 2023-06-01\r\n", .anthropic),
        ("GET /v1/models", "", .openAI), ("GET /nowhere", "anthropic-version: 2023-06-01\r\n", .anthropic),
    ])
    func aHeadTheParserRefusesIsAnsweredInItsPathsShape(requestLine: String, header: String, shape: Shape) async throws {
        try await GatewayHarness.run { client, _ in
            let port = try #require(client.port)
            for broken in Self.brokenHeaders {
                let request = "\(requestLine) HTTP/1.1\r\nHost: x\r\n\(header)\(broken)\r\n{}"
                let answer = try await RawHTTP.exchange(port: port, sending: request, within: .seconds(5))
                #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")
                try Self.expect(answer.text, in: shape, for: request)
            }
        }
    }

    @Test func aRefusedHeadAfterAnAnsweredRequestOnTheSameConnectionTakesItsOwnPathsShape() async throws {
        try await GatewayHarness.run { client, _ in
            let first = "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
            let second = "POST /v1/messages HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n"
            let answer = try await RawHTTP.exchange(port: try #require(client.port), sending: first + second, within: .seconds(5))
            let parts = answer.text.components(separatedBy: "HTTP/1.1 ")
            #expect(parts.count == 3 && parts[1].hasPrefix("200") && parts[2].hasPrefix("400"), "\(answer.text)")
            try Self.expect("HTTP/1.1 " + parts[2], in: .anthropic, for: second)
        }
    }

    @Test func aRequestLineTooLongForTheParserIsAnsweredInItsPathsShape() async throws {
        try await GatewayHarness.run { client, _ in
            let request = "POST /v1/messages?q=" + String(repeating: "q", count: 300_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"
            let answer = try await RawHTTP.exchange(port: try #require(client.port), sending: request, within: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text.prefix(200))")
            try Self.expect(answer.text, in: .anthropic, for: "a 300 KB request line")
        }
    }

    @Test func onlyARequestLineNamesAPath() {
        #expect(RequestHeadSniffer.requestPath(Array("POST /v1/messages?beta=true HTTP/1.1\r".utf8)) == "/v1/messages")
        #expect(RequestHeadSniffer.requestPath(Array("get /v1/messages/ HTTP/1.1".utf8)) == "/v1/messages/")
        #expect(RequestHeadSniffer.requestPath(Array("Host: /v1/messages".utf8)) == nil)
        #expect(RequestHeadSniffer.requestPath(Array("{\"a\": 1}".utf8)) == nil)
        #expect(RequestHeadSniffer.isAnthropicVersion(Array("ANTHROPIC-VERSION: 2023-06-01\r".utf8)))
        #expect(!RequestHeadSniffer.isAnthropicVersion(Array("x-anthropic-version: 1".utf8)))
    }

    static func expect(_ text: String, in shape: Shape, for request: String) throws {
        let parts = text.components(separatedBy: "\r\n\r\n")
        let body = try #require(parts.count > 1 ? parts[1] : nil)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any], "\(request)")
        switch shape {
        case .anthropic:
            #expect(json["type"] as? String == "error", "\(request)")
            #expect((json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error", "\(request)")
            #expect(parts[0].lowercased().contains("\r\nrequest-id: req_"), "\(request)")
        case .openAI:
            let error = try #require(json["error"] as? [String: Any], "\(request)")
            #expect(Set(error.keys) == ["message", "type", "param", "code"], "\(request)")
            #expect(error["code"] as? String == "malformed_request", "\(request)")
        }
    }
}
