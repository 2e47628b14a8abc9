import AsyncHTTPClient
import CopilotSimulator
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import CopilotGateway

/// The simulator checklist's faults (5xx, 429, an expired token, a delay past the timeout, a cut stream,
/// malformed events, rewritten and shrinking snapshots, a refusal, a huge reply), each met by the live
/// gateway: the client always gets a correct reply or a well-formed OpenAI error in bounded time, the
/// conversations stay apart, and no connection is left behind.
@Suite struct FaultSuiteTests {
    /// One case at a time: each runs two servers and a dozen requests, and all at once would starve the
    /// timing-sensitive tests of other suites on a small machine.
    @Test(.serialized, arguments: FaultCase.all)
    func everyFaultEndsInAWellFormedReplyOrErrorInBoundedTimeAndKeepsConversationsApart(_ fault: FaultCase) async throws {
        try await GatewayHarness.run(environment: fault.environment) { client, simulator in
            try await Wire.with(gatewayPort: try #require(client.port)) { wire in
                var alpha = Session(user: "alpha")
                var bravo = Session(user: "bravo")
                // Bravo asks the other way (whole or streamed), so the fault can never hit bravo's turns.
                try await bravo.say("Hello from bravo, the codeword is BRAVO9.", streamed: !fault.streamed, wire)
                // A fault on `create` needs a new conversation: alpha's first turn. Any other hits a continued one.
                if fault.fault.endpoint != .create { try await alpha.say("Hello from alpha.", streamed: fault.streamed, wire) }

                await simulator.addFault(fault.fault)
                alpha.append(user: FaultCase.prompt)
                bravo.append(user: "Still there, bravo?")
                let faultedBody = alpha.body(streamed: fault.streamed)
                let parallelBody = bravo.body(streamed: !fault.streamed)
                async let faulted = wire.post(faultedBody, "the faulted turn")
                async let parallel = wire.post(parallelBody, "bravo's turn in parallel")
                let kept = try check(try await faulted, fault.outcome, streamed: fault.streamed)
                bravo.append(assistant: try check(try await parallel, .reply(nil), streamed: !fault.streamed) ?? "")
                await simulator.clearFaults()

                // The next turn of the same history: a client resends a failed turn, or goes on after a reply.
                if let kept {
                    alpha.append(assistant: kept)
                } else {
                    let again = try await wire.post(alpha.body(streamed: fault.streamed), "the failed turn sent again")
                    alpha.append(assistant: try check(again, .reply(FaultCase.answer), streamed: fault.streamed) ?? "")
                }
                let recall = try await alpha.say("What is the codeword, alpha?", streamed: fault.streamed, wire)
                #expect(recall.contains("ALPHA7") && !recall.contains("BRAVO9"), "\(recall)")
                let bravoRecall = try await bravo.say("What is the codeword, bravo?", streamed: !fault.streamed, wire)
                #expect(bravoRecall.contains("BRAVO9") && !bravoRecall.contains("ALPHA7"), "\(bravoRecall)")

                let turns = await simulator.turnLog()
                // After a reply the conversation goes on where that reply was given (its last attempt); after a
                // refusal it does not. The next turn's first attempt shows where the gateway sent it, even if
                // a busy machine makes that attempt miss the short timeout of the delay cases and retry.
                let answered = try #require(turns.last { $0.text == FaultCase.prompt }?.conversation)
                let continued = try #require(turns.first { $0.text == "What is the codeword, alpha?" }?.conversation)
                if case .refusal = fault.outcome {
                    #expect(continued != answered, "a disengaged conversation must not be continued")
                } else {
                    #expect(continued == answered, "the next turn must continue the conversation that answered")
                }
                // Bravo never left its one conversation, and no conversation holds both sessions' words.
                #expect(Set(turns.filter { $0.text.contains("bravo") }.map(\.conversation)).count == 1)
                try await simulator.expectSessionsApart(turns)
            }
            try await SocketCensus.expectNoHalfClosedSockets(ports: [try #require(client.port), try #require(GatewayHarness.simulatorPort)])
        }
    }

    @Test func faultedRequestsLeaveNoConnectionToCopilotOrTheClientBehind() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_TIMEOUT": "1"]) { client, simulator in
            let gatewayPort = try #require(client.port)
            let simulatorPort = try #require(GatewayHarness.simulatorPort)
            try await Wire.with(gatewayPort: gatewayPort) { wire in
                let plain = Session(user: "census").appending(user: "REPLY `ok` ONLY")
                for streamed in [false, true] { _ = try await wire.post(plain.body(streamed: streamed), "a warm-up turn") }
                let baseline = SocketCensus.sockets(port: simulatorPort).count
                #expect(baseline > 0, "the census must see the gateway's connection to Copilot")
                let faults: [SimulatorFault] = [
                    .init(kind: .status, count: 2, endpoint: .create, status: 503), .init(kind: .status, count: 2, endpoint: .chat, status: 500),
                    .init(kind: .status, count: 2, endpoint: .stream, status: 503), .init(kind: .status, endpoint: .chat, status: 429),
                    .init(kind: .status, endpoint: .stream, status: 429, retryAfter: "1"), .init(kind: .status, endpoint: .stream, status: 401),
                    .init(kind: .delay, count: 2, endpoint: .stream, delayMs: 1500), .init(kind: .cut, afterEvents: 4),
                    .init(kind: .inbandError), .init(kind: .malformed), .init(kind: .emptyReply, endpoint: .stream),
                    .init(kind: .rai, endpoint: .stream), .init(kind: .huge, endpoint: .chat, length: 100_000),
                ]
                for (index, fault) in faults.enumerated() {
                    await simulator.addFault(fault)
                    let streamed = fault.endpoint != .chat
                    _ = try await wire.post(Session(user: "census-\(index)").appending(user: FaultCase.prompt).body(streamed: streamed), "faulted turn \(index)")
                    await simulator.clearFaults()
                }
                // A connection per faulted request would show here; the pool may keep one or two for reuse.
                let settled = try await SocketCensus.settle { SocketCensus.sockets(port: simulatorPort).count <= baseline + 2 }
                #expect(settled, "sockets to Copilot: \(SocketCensus.sockets(port: simulatorPort)) (baseline \(baseline))")
                let started = ContinuousClock.now
                let after = try await wire.post(plain.body(streamed: true), "a normal turn after the faults")
                #expect(try readStream(after).ending == .finished("stop"))
                #expect(ContinuousClock.now - started < .seconds(5))
            }
            try await SocketCensus.expectNoHalfClosedSockets(ports: [gatewayPort, simulatorPort])
        }
    }

    @Test func aClientThatLeavesMidStreamEndsTheStreamFromCopilot() async throws {
        // 30 snapshots 200 ms apart: Copilot's stream would run six seconds if nobody stopped it.
        try await GatewayHarness.run(simulator: .init(snapshotCount: 30, eventDelay: .milliseconds(200))) { client, _ in
            let gatewayPort = try #require(client.port)
            let simulatorPort = try #require(GatewayHarness.simulatorPort)
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)  // the harness client's connection is open
            let clientSockets = SocketCensus.sockets(port: gatewayPort).count
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let during: Int
            do {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(gatewayPort)/v1/chat/completions")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: Session(user: "leaver").appending(user: "Explain streaming, please.").body(streamed: true)))
                let response = try await http.execute(request, timeout: .seconds(10))
                var body = response.body.makeAsyncIterator()
                let first = try #require(try await body.next())
                #expect(String(buffer: first).contains(#""role":"assistant""#))
                during = SocketCensus.sockets(port: simulatorPort).count
                #expect(during > 0)
            } catch {
                try? await http.shutdown()  // a client left unshut would end the whole test run
                throw error
            }
            try await http.shutdown()  // the client goes away in the middle of the answer
            let closed = try await SocketCensus.settle(within: .seconds(3)) {
                SocketCensus.sockets(port: simulatorPort).count < during && SocketCensus.sockets(port: gatewayPort).count <= clientSockets
            }
            #expect(closed, "Copilot: \(SocketCensus.sockets(port: simulatorPort)) (\(during) during); client side: \(SocketCensus.sockets(port: gatewayPort))")
            // And the gateway serves the next client at once.
            let next = try await client.chat(["messages": [["role": "user", "content": "REPLY `still here` ONLY"]]])
            #expect(try next.replyText == "still here")
        }
    }

    /// The 401 of an expired token, answered by one refresh, is covered whole by `SignInServerTests`
    /// (`aGraph401IsAnsweredByOneRefreshAndOneRetry`, with a 401 fault); here Graph itself finds the
    /// token expired, and the turn streams too.
    @Test(arguments: [false, true])
    func aTokenGraphFindsExpiredIsRefreshedOnceAndTheTurnGoesThrough(streamed: Bool) async throws {
        try await SignInHarness.run(options: SignInServerTests.checking) { harness in
            try await SignInServerTests().withGateway(harness) { client, account in
                try await harness.signIn(account)
                await harness.simulator.expireAccessTokens()
                let response = try await bounded("a turn with an expired token") {
                    try await client.chat(["stream": streamed, "messages": [["role": "user", "content": "REPLY `after expiry` ONLY"]]])
                }
                let text = try check(response, .reply("after expiry"), streamed: streamed)
                #expect(text == "after expiry")
                #expect(try await harness.refreshCount() == 1)
            }
        }
    }

    @Test func aRefusedRefreshBeforeAStreamIsA401ErrorNotABrokenStream() async throws {
        try await SignInHarness.run(options: SignInServerTests.checking) { harness in
            try await SignInServerTests().withGateway(harness, signsInWhenNeeded: false) { client, account in
                try await harness.signIn(account)
                await harness.simulator.expireAccessTokens()
                await harness.simulator.addFault(.init(kind: .invalidGrant))
                let response = try await bounded("a streamed turn whose token cannot be refreshed") {
                    try await client.chat(["stream": true, "messages": [["role": "user", "content": "hi"]]])
                }
                _ = try check(response, .error(401, code: "not_signed_in", retryAfter: nil), streamed: true)
            }
        }
    }
}

// MARK: - The faults and what they must lead to

/// What the client must get for the faulted turn.
enum FaultOutcome: Sendable {
    /// 200 with this reply (nil: any text; a `[1]` a rewrite added does not count); a stream ends with `[DONE]`.
    case reply(String?)
    /// 200 with Copilot's refusal and `finish_reason: "content_filter"`.
    case refusal
    /// An HTTP error before any byte of an answer: the status, the OpenAI `code` and the `Retry-After` header.
    case error(Int, code: String, retryAfter: String?)
    /// Streamed only: a 200 stream that ends with one `data: {"error":…}` event with this code and no `[DONE]`.
    case streamError(code: String)
}

/// One fault of the simulator checklist on alpha's turn, asked whole or streamed.
struct FaultCase: Sendable, CustomTestStringConvertible {
    var name: String
    var fault: SimulatorFault
    var streamed: Bool
    var outcome: FaultOutcome
    var environment: [String: String] = [:]

    var testDescription: String { "\(name), \(streamed ? "streamed" : "whole")" }

    /// The answer to ``prompt``, long enough to stream in several snapshots.
    static let answer = "Alpha answer, one two three four five six seven eight nine ten eleven twelve."
    /// Alpha's faulted turn: it gives alpha's codeword and gets ``answer`` exactly.
    static let prompt = "the codeword is ALPHA7. REPLY `\(answer)` ONLY"
    static let hugeLength = 200_000
    /// Long enough for an ordinary turn on a busy machine, short enough to keep the suite quick.
    static let shortTimeout = ["COPILOT_TIMEOUT": "2"]
    static let pastTheTimeout = 3000

    /// `fault` asked whole and streamed; an `any` endpoint becomes the turn's own (`chat` or `stream`).
    static func both(
        _ name: String, _ fault: SimulatorFault, whole: FaultOutcome?, streamed: FaultOutcome?, environment: [String: String] = [:]
    ) -> [FaultCase] {
        [(false, whole), (true, streamed)].compactMap { isStreamed, outcome in
            guard let outcome else { return nil }
            var fault = fault
            if fault.endpoint == .any { fault.endpoint = isStreamed ? .stream : .chat }
            return FaultCase(name: name, fault: fault, streamed: isStreamed, outcome: outcome, environment: environment)
        }
    }

    static func both(_ name: String, _ fault: SimulatorFault, _ outcome: FaultOutcome, environment: [String: String] = [:]) -> [FaultCase] {
        both(name, fault, whole: outcome, streamed: outcome, environment: environment)
    }

    static func streamedOnly(_ name: String, _ fault: SimulatorFault, _ outcome: FaultOutcome) -> [FaultCase] {
        both(name, fault, whole: nil, streamed: outcome)
    }

    static let all: [FaultCase] = {
        let groups: [[FaultCase]] = [
        // 5xx: retried once on a fresh conversation; when that fails too, the last status reaches the client.
        both("503 on create, twice", .init(kind: .status, count: 2, endpoint: .create, status: 503, retryAfter: "7"),
             .error(503, code: "upstream_unavailable", retryAfter: "7")),
        both("500 on create, twice", .init(kind: .status, count: 2, endpoint: .create, status: 500), .error(502, code: "upstream_error", retryAfter: nil)),
        both("502 on create, once", .init(kind: .status, endpoint: .create, status: 502), .reply(answer)),
        both("503 on the turn, twice", .init(kind: .status, count: 2, status: 503, retryAfter: "7"), .error(503, code: "upstream_unavailable", retryAfter: "7")),
        both("500 on the turn, twice", .init(kind: .status, count: 2, status: 500), .error(502, code: "upstream_error", retryAfter: nil)),
        both("502 on the turn, once", .init(kind: .status, status: 502), .reply(answer)),
        // 429 is not retried: Retry-After goes through, rounded up, and only when Copilot sent one.
        both("429 with Retry-After", .init(kind: .status, status: 429, retryAfter: "2.128"), .error(429, code: "upstream_rate_limited", retryAfter: "3")),
        both("429 without Retry-After", .init(kind: .status, status: 429), .error(429, code: "upstream_rate_limited", retryAfter: nil)),
        // Odd Retry-After values from Graph or a proxy: each once ended the process (SIGILL).
        both("429 with Retry-After 1e30", .init(kind: .status, status: 429, retryAfter: "1e30"),
             .error(429, code: "upstream_rate_limited", retryAfter: nil)),
        both("429 with Retry-After inf", .init(kind: .status, status: 429, retryAfter: "inf"), .error(429, code: "upstream_rate_limited", retryAfter: nil)),
        both("429 with Retry-After nan", .init(kind: .status, status: 429, retryAfter: "nan"), .error(429, code: "upstream_rate_limited", retryAfter: nil)),
        both("429 with Retry-After -1e30", .init(kind: .status, status: 429, retryAfter: "-1e30"),
             .error(429, code: "upstream_rate_limited", retryAfter: nil)),
        both("429 with Retry-After Int.max", .init(kind: .status, status: 429, retryAfter: "9223372036854775807"),
             .error(429, code: "upstream_rate_limited", retryAfter: "3600")),
        both("503 with a Retry-After date in the past, twice", .init(kind: .status, count: 2, status: 503, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"),
             .error(503, code: "upstream_unavailable", retryAfter: "1")),
        both("500 with an empty message, twice", .init(kind: .status, count: 2, status: 500, message: ""),
             .error(502, code: "upstream_error", retryAfter: nil)),
        both("a delay past COPILOT_TIMEOUT, twice", .init(kind: .delay, count: 2, delayMs: pastTheTimeout),
             .error(504, code: "upstream_timeout", retryAfter: nil), environment: shortTimeout),
        both("a delay past COPILOT_TIMEOUT, once", .init(kind: .delay, delayMs: pastTheTimeout), .reply(answer), environment: shortTimeout),
        both("a disengagedForRai refusal", .init(kind: .rai), .refusal),
        both("an empty reply, twice", .init(kind: .emptyReply, count: 2), whole: .error(502, code: "upstream_empty_reply", retryAfter: nil),
             streamed: .streamError(code: "upstream_empty_reply")),
        both("an empty reply, once", .init(kind: .emptyReply), .reply(answer)),
        both("a huge reply", .init(kind: .huge, length: hugeLength), .reply(SimulatedReplies.hugeText(length: hugeLength))),
        streamedOnly("a stream cut after text", .init(kind: .cut, afterEvents: 4), .streamError(code: "upstream_stream_interrupted")),
        streamedOnly("a stream cut before any text", .init(kind: .cut, afterEvents: 1), .reply(answer)),
        streamedOnly("an in-band error event", .init(kind: .inbandError), .streamError(code: "upstream_error")),
        streamedOnly("a malformed JSON event", .init(kind: .malformed), .reply(answer)),
        streamedOnly("a rewritten snapshot", .init(kind: .rewrite), .reply(answer)),
        streamedOnly("a shrinking snapshot", .init(kind: .shrink), .reply(answer)),
        streamedOnly("CRLF and keep-alive comments", .init(kind: .crlf), .reply(answer)),
        streamedOnly("a pretty-printed final snapshot", .init(kind: .pretty), .reply(answer)),
        streamedOnly("no blank line after the last event", .init(kind: .noTrailingBlankLine), .reply(answer)),
        streamedOnly("the Content-Type event/stream", .init(kind: .contentType), .reply(answer)),
        ]
        return groups.flatMap { $0 }
    }()
}

// MARK: - Checking what the client got

/// Checks `response` against `outcome`; returns the text the client keeps as the assistant's turn,
/// or nil when the turn failed.
func check(_ response: some HTTPAnswer, _ outcome: FaultOutcome, streamed: Bool) throws -> String? {
    switch outcome {
    case .error(let status, let code, let retryAfter):
        #expect(response.status.code == status, "\(String(buffer: response.body).prefix(500))")
        #expect(response.headers[.contentType] == "application/json", "an error before the stream is an ordinary HTTP error")
        #expect(try response.openAIError["code"] as? String == code)
        #expect(response.headers[.retryAfter] == retryAfter)
        return nil
    case .streamError(let code):
        let stream = try readStream(response)
        #expect(stream.ending == .failed(code: code))
        #expect(FaultCase.answer.hasPrefix(stream.text), "text sent before the failure must be the start of the answer")
        return nil
    case .reply(let expected):
        let text = try replyText(response, streamed: streamed, finish: "stop")
        if let expected { expectSame(text.replacingOccurrences(of: " [1]", with: ""), expected) } else { #expect(!text.isEmpty) }
        return text
    case .refusal:
        let text = try replyText(response, streamed: streamed, finish: "content_filter")
        #expect(text == SimulatedReplies.refusalText)
        return text
    }
}

/// The text of a successful answer, whole or streamed, checking its `finish_reason`.
func replyText(_ response: some HTTPAnswer, streamed: Bool, finish: String) throws -> String {
    if streamed {
        let stream = try readStream(response)
        #expect(stream.ending == .finished(finish))
        return stream.text
    }
    #expect(response.status == .ok, "\(String(buffer: response.body).prefix(500))")
    #expect(response.headers[.contentType] == "application/json")
    let choice = try #require((try response.json["choices"] as? [[String: Any]])?.first)
    #expect(choice["finish_reason"] as? String == finish)
    return try response.replyText
}

/// Equality of two texts that may be huge: a mismatch reports the lengths and where they part.
func expectSame(_ text: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
    guard text != expected else { return }
    let common = zip(text, expected).prefix { $0 == $1 }.count
    Issue.record(
        "texts differ: \(text.count) vs \(expected.count) characters, from character \(common): \(text.dropFirst(common).prefix(60).debugDescription) vs \(expected.dropFirst(common).prefix(60).debugDescription)",
        sourceLocation: sourceLocation)
}

/// A streamed answer as the client saw it.
struct ReadStream {
    enum Ending: Equatable {
        /// A chunk with this `finish_reason`, then `[DONE]`.
        case finished(String)
        /// One `data: {"error":…}` event with this code, last, and no `[DONE]`.
        case failed(code: String?)
    }

    var text: String
    var ending: Ending
}

/// Reads an SSE answer strictly: events framed by blank lines, `data: ` lines or `:` comments only; one
/// id and model; the role once, in the first chunk; then either one finish chunk (a usage chunk may
/// follow) and `[DONE]` last, or one well-formed error event last, without a finish chunk or `[DONE]`.
func readStream(_ response: some HTTPAnswer, sourceLocation: SourceLocation = #_sourceLocation) throws -> ReadStream {
    #expect(response.status == .ok, "\(String(buffer: response.body).prefix(500))", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8", sourceLocation: sourceLocation)
    let raw = String(buffer: response.body)
    #expect(raw.hasSuffix("\n\n"), "the last event must end with a blank line", sourceLocation: sourceLocation)
    var payloads: [String] = []
    for block in raw.components(separatedBy: "\n\n").dropLast() where !block.hasPrefix(":") {
        #expect(block.hasPrefix("data: ") && !block.contains("\n"), "not one data line: \(block.prefix(200))", sourceLocation: sourceLocation)
        payloads.append(String(block.dropFirst("data: ".count)))
    }
    let objects = try payloads.filter { $0 != "[DONE]" }.map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    }
    let chunks = objects.filter { $0["error"] == nil }
    let errors = objects.compactMap { $0["error"] as? [String: Any] }
    #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1, sourceLocation: sourceLocation)
    #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" && $0["model"] as? String == "copilot" }, sourceLocation: sourceLocation)
    let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"]) as? [String: Any] }
    #expect(deltas.first?["role"] as? String == "assistant", sourceLocation: sourceLocation)
    #expect(deltas.compactMap { $0["role"] }.count == 1, "the role comes once", sourceLocation: sourceLocation)
    let text = deltas.compactMap { $0["content"] as? String }.joined()
    let finishes = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"]) as? String }
    let doneCount = payloads.filter { $0 == "[DONE]" }.count
    guard let error = errors.first else {
        #expect(doneCount == 1 && payloads.last == "[DONE]", "a complete stream ends with one [DONE]", sourceLocation: sourceLocation)
        #expect(finishes.count == 1, "one finish chunk: \(finishes)", sourceLocation: sourceLocation)
        return ReadStream(text: text, ending: .finished(finishes.first ?? "-"))
    }
    #expect(errors.count == 1 && payloads.last?.hasPrefix(#"{"error":"#) == true, "one error event, last", sourceLocation: sourceLocation)
    #expect(doneCount == 0 && finishes.isEmpty, "no finish chunk or [DONE] after an error", sourceLocation: sourceLocation)
    #expect(Set(error.keys) == ["message", "type", "param", "code"], sourceLocation: sourceLocation)
    #expect((error["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    return ReadStream(text: text, ending: .failed(code: error["code"] as? String))
}

// MARK: - Clients, sessions and the simulator's record

/// Runs `operation`, or fails with ``Hung`` after `limit`, so a request that never ends fails its test
/// instead of holding up the run. The operation is cancelled then (AsyncHTTPClient and the test client stop).
func bounded<Value: Sendable>(
    _ what: String, within limit: Duration = .seconds(10), _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw Hung(what: what, limit: limit) }
        return value
    }
}

struct Hung: Error, CustomStringConvertible {
    var what: String
    var limit: Duration
    var description: String { "\(what) did not finish within \(limit)" }
}

/// A whole response read through AsyncHTTPClient.
struct WireResponse: HTTPAnswer, Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer
}

/// A client of the gateway with connections of its own (the harness's test client sends its requests
/// one after another on one connection), so two sessions' requests really run at the same time.
struct Wire: Sendable {
    let http: HTTPClient
    let gatewayPort: Int

    static func with(gatewayPort: Int, _ body: (Wire) async throws -> Void) async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await body(Wire(http: http, gatewayPort: gatewayPort))
        } catch {
            try await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    /// `POST /v1/chat/completions` with a JSON body, within ``bounded(_:within:_:)``'s limit.
    func post(_ json: String, _ what: String) async throws -> WireResponse {
        try await bounded(what) { [http, gatewayPort] in
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(gatewayPort)/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
            let response = try await http.execute(request, timeout: .seconds(15))
            var headers = HTTPFields()
            for header in response.headers {
                if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
            }
            let body = try await response.body.collect(upTo: 64 << 20)
            return WireResponse(status: .init(code: Int(response.status.code)), headers: headers, body: body)
        }
    }
}

/// One client's chat (named by `user`), resending the whole history every turn.
struct Session: Sendable {
    var user: String
    var messages: [[String: String]] = []

    mutating func append(user text: String) { messages.append(["role": "user", "content": text]) }
    mutating func append(assistant text: String) { messages.append(["role": "assistant", "content": text]) }

    func appending(user text: String) -> Session {
        var copy = self
        copy.append(user: text)
        return copy
    }

    func body(streamed: Bool) -> String {
        let object: [String: Any] = ["model": "copilot", "user": user, "stream": streamed, "messages": messages]
        return (try? JSONSerialization.data(withJSONObject: object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Sends `text` as the next message; it must get a reply, which joins the history.
    @discardableResult
    mutating func say(_ text: String, streamed: Bool, _ wire: Wire) async throws -> String {
        append(user: text)
        let reply = try check(try await wire.post(body(streamed: streamed), "\(user): \(text)"), .reply(nil), streamed: streamed) ?? ""
        append(assistant: reply)
        return reply
    }
}

extension CopilotSimulator {
    /// Every turn the simulator was sent (committed or not), in order: the conversation and `message.text`.
    nonisolated func turnLog() async -> [(conversation: String, text: String)] {
        await recordedRequests.compactMap { request in
            let parts = request.path.split(separator: "/")
            guard parts.count == 5, parts.last == "chat" || parts.last == "chatOverStream" else { return nil }
            return (String(parts[3]), request.body["message"]?["text"]?.stringValue ?? "")
        }
    }

    /// No conversation, as sent or as the simulator keeps it, holds both alpha's and bravo's words.
    nonisolated func expectSessionsApart(_ turns: [(conversation: String, text: String)]) async throws {
        for id in Set(turns.map(\.conversation)) {
            var texts = turns.filter { $0.conversation == id }.map(\.text)
            if let record = await conversation(id: id) {
                texts += record.turns.flatMap { [$0.prompt] + $0.additionalContext.map(\.text) }
            }
            let words = texts.joined(separator: "\n").lowercased()
            #expect(!(words.contains("alpha") && words.contains("bravo")), "conversation \(id) mixes two sessions: \(texts)")
        }
    }
}

/// This process's TCP sockets on one port, from `/proc` (Linux): the gateway and the simulator run in
/// the test process, so these are the file descriptors one harness opened, whatever other tests do.
enum SocketCensus {
    struct Socket: CustomStringConvertible {
        var state: String
        var localPort: Int
        var remotePort: Int
        var description: String { "\(localPort)->\(remotePort) \(state)" }
    }

    /// Open sockets of this process with `port` at either end (not the listening one).
    static func sockets(port: Int) -> [Socket] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        let inodes = Set(descriptors.compactMap { descriptor -> Substring? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)"),
                target.hasPrefix("socket:[")
            else { return nil }
            return Substring(target.dropFirst("socket:[".count).dropLast())
        })
        var sockets: [Socket] = []
        for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
            // Read to the end: `/proc` files report a size of zero.
            let data = FileHandle(forReadingAtPath: table).flatMap { try? $0.readToEnd() } ?? Data()
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, inodes.contains(fields[9]),
                    let local = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                    let remote = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                    local == port || remote == port
                else { continue }
                let state = Self.states[String(fields[3])] ?? String(fields[3])
                if state != "LISTEN" { sockets.append(Socket(state: state, localPort: local, remotePort: remote)) }
            }
        }
        return sockets
    }

    static let states = ["01": "ESTABLISHED", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN"]

    /// Polls `condition` until it holds or `limit` passes; returns whether it held.
    static func settle(within limit: Duration = .seconds(3), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    /// No socket stays half closed (the other side hung up, ours never closed) on these ports.
    static func expectNoHalfClosedSockets(ports: [Int], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let halfClosed = { ports.flatMap(sockets(port:)).filter { $0.state == "CLOSE_WAIT" } }
        let settled = try await settle { halfClosed().isEmpty }
        #expect(settled, "half-closed sockets: \(halfClosed())", sourceLocation: sourceLocation)
    }
}
