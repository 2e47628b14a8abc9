import AsyncHTTPClient
import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import CopilotGateway

/// Each API key's limits, the cap on concurrent turns for the Microsoft account, and the body limit.
@Suite struct LimitTests {
    static let keyA = "key-a-0123456789abcdef"
    static let keyB = "key-b-0123456789abcdef"
    static let keys = ["GATEWAY_API_KEYS": "\(keyA),\(keyB)"]

    @Test func aBodyOverTheLimitIsRefusedWith413() async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_MAX_BODY_MB": "1"]) { client, simulator in
            let big = String(repeating: "x", count: 1_200_000)
            let response = try await client.chat(["messages": [["role": "user", "content": big]]])
            #expect(response.status == .contentTooLarge)
            let error = try response.openAIError
            #expect(error["code"] as? String == "request_too_large")
            #expect((error["message"] as? String)?.contains("GATEWAY_MAX_BODY_MB") == true)
            #expect(await simulator.recordedRequests.isEmpty)
            let small = try await client.chat(["messages": [["role": "system", "content": String(repeating: "y", count: 900_000)], ["role": "user", "content": "hi"]]])
            #expect(small.status == .ok)
        }
    }

    @Test func aKeyOverItsRequestsPerMinuteGets429WithRetryAfterWhileOtherKeysGoOn() async throws {
        try await GatewayHarness.run(environment: Self.keys.merging(["GATEWAY_REQUESTS_PER_MINUTE": "2"]) { $1 }) { client, _ in
            for _ in 0..<2 {
                #expect(try await client.chat(Self.hello, headers: Self.bearer(Self.keyA)).status == .ok)
            }
            let refused = try await client.chat(Self.hello, headers: Self.bearer(Self.keyA))
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.openAIError["code"] as? String == "rate_limit_exceeded")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...30).contains(retryAfter))
            #expect(try await client.chat(Self.hello, headers: Self.bearer(Self.keyB)).status == .ok)
        }
    }

    @Test func theRateLimitRefillsWithTime() {
        let limits = CallerLimits(.init(maxConcurrent: 0, perMinute: 60))
        let start = ContinuousClock.now
        for _ in 0..<60 { #expect(limits.admit("a", now: start) == .admitted) }
        #expect(limits.admit("a", now: start) == .rateLimited(retryAfter: 1))
        #expect(limits.admit("a", now: start + .milliseconds(1500)) == .admitted)
        #expect(limits.admit("a", now: start + .milliseconds(1600)) == .rateLimited(retryAfter: 1))
    }

    @Test func aKeyWithTooManyRequestsRunningGets429UntilOneFinishes() async throws {
        let environment = Self.keys.merging(["GATEWAY_MAX_CONCURRENT_PER_KEY": "1"]) { $1 }
        try await GatewayHarness.run(simulator: .init(snapshotCount: 10, eventDelay: .milliseconds(100)), environment: environment) { client, _ in
            let port = try #require(client.port)
            try await withHTTPClient { http in
                // The first key's stream runs for about a second.
                let stream = try await http.execute(Self.request(port: port, key: Self.keyA, stream: true), timeout: .seconds(10))
                #expect(stream.status == .ok)
                let refused = try await client.chat(Self.hello, headers: Self.bearer(Self.keyA))
                #expect(refused.status == .tooManyRequests)
                #expect(try refused.openAIError["code"] as? String == "concurrency_limit_exceeded")
                #expect(refused.headers[.retryAfter] == "1")
                #expect(try await client.chat(Self.hello, headers: Self.bearer(Self.keyB)).status == .ok)
                _ = try await stream.body.collect(upTo: 1 << 20)
                try await Task.sleep(for: .milliseconds(50))
                #expect(try await client.chat(Self.hello, headers: Self.bearer(Self.keyA)).status == .ok)
            }
        }
    }

    @Test func turnsBeyondTheAccountsCapWaitTheirTurn() async throws {
        let environment = ["COPILOT_MAX_CONCURRENT": "1", "COPILOT_QUEUE_SECONDS": "10"]
        try await GatewayHarness.run(environment: environment) { client, simulator in
            await simulator.addFault(.init(kind: .delay, endpoint: .chat, delayMs: 600))
            let port = try #require(client.port)
            try await withHTTPClient { http in
                let started = ContinuousClock.now
                async let slow = http.execute(Self.request(port: port, text: "first"), timeout: .seconds(20))
                // The second is sent once the first has reached Copilot (and waits there 600 ms).
                while try await simulator.recordedBodies(pathSuffix: "/chat").isEmpty, ContinuousClock.now - started < .seconds(5) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let queued = try await http.execute(Self.request(port: port, text: "second"), timeout: .seconds(10))
                #expect(queued.status == .ok)
                // The second turn reached Copilot only after the first one's 600 ms answer.
                #expect(ContinuousClock.now - started >= .milliseconds(600))
                #expect(try await slow.status == .ok)
            }
            let order = try await simulator.recordedBodies(pathSuffix: "/chat").compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
            #expect(order == ["first", "second"])
        }
    }

    @Test func aTurnThatWaitsLongerThanTheQueueAllowsGets429() async throws {
        // The queued turn waits 3 s before its 429: time enough to see it waiting on a machine running the
        // whole suite. The first turn's Copilot takes longer than that.
        let environment = ["COPILOT_MAX_CONCURRENT": "1", "COPILOT_QUEUE_SECONDS": "3"]
        let metrics = GatewayMetrics()
        try await GatewayHarness.run(environment: environment, metrics: metrics) { client, simulator in
            await simulator.addFault(.init(kind: .delay, endpoint: .chat, delayMs: 6000))
            let port = try #require(client.port)
            try await withHTTPClient { http in
                async let slow = http.execute(Self.request(port: port, text: "first"), timeout: .seconds(20))
                // The second is sent once the first holds the only place (Copilot has its turn), however busy the machine.
                let deadline = ContinuousClock.now + .seconds(2)
                while try await simulator.recordedBodies(pathSuffix: "/chat").isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                async let queued = http.execute(Self.request(port: port, text: "second"), timeout: .seconds(20))
                var waiting: Double?
                while waiting != 1, ContinuousClock.now < deadline + .seconds(3) {
                    try await Task.sleep(for: .milliseconds(20))
                    let scraped = PrometheusText(String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: GatewayHarness.admin).body))
                    waiting = scraped.value("copilot_gateway_upstream_queue_waiting")
                }
                #expect(waiting == 1)
                let refused = try await queued
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers.first(name: "Retry-After") != nil)
                let error = try JSONSerialization.jsonObject(with: Data((try await refused.body.collect(upTo: 1 << 16)).readableBytesView)) as? [String: Any]
                #expect((error?["error"] as? [String: Any])?["code"] as? String == "upstream_busy")
                #expect(try await slow.status == .ok)
            }
            #expect(Self.value(in: metrics, "copilot_gateway_rejected_requests_total", ["reason": "upstream_busy"]) == 1)
        }
    }

    @Test func aContinuingTurnRefusedForWantOfAPlaceKeepsItsConversation() async throws {
        try await GatewayHarness.run(environment: ["COPILOT_MAX_CONCURRENT": "1", "COPILOT_QUEUE_SECONDS": "0"]) { client, simulator in
            let history: [[String: String]] = [["role": "user", "content": "remember the number 7"]]
            let first = try await client.chat(["messages": history]).replyText
            let conversation = try #require(await simulator.turnConversations().last)
            await simulator.addFault(.init(kind: .delay, endpoint: .chat, delayMs: 3000))
            let port = try #require(client.port)
            let next = history + [["role": "assistant", "content": first], ["role": "user", "content": "which number?"]]
            try await withHTTPClient { http in
                async let slow = http.execute(Self.request(port: port, text: "another topic"), timeout: .seconds(20))
                let deadline = ContinuousClock.now + .seconds(2)
                while try await simulator.recordedBodies(pathSuffix: "/chat").count < 2, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let refused = try await client.chat(["messages": next])
                #expect(refused.status == .tooManyRequests)
                #expect(try await slow.status == .ok)
            }
            let answered = try await client.chat(["messages": next])
            #expect(answered.status == .ok)
            #expect(await simulator.turnConversations().last == conversation, "the refused turn lost the conversation")
        }
    }

    @Test func theGateHandsPlacesOutInOrderAndGivesUpAfterTheWait() async throws {
        let gate = UpstreamGate(limit: 1, maxWait: .milliseconds(300))
        #expect(await gate.enter())
        async let second = gate.enter()
        async let third = gate.enter()
        try await Task.sleep(for: .milliseconds(50))
        #expect(await gate.waiting == 2)
        await gate.leave()
        #expect(await second)
        // Nobody leaves again: the third runs out of time.
        #expect(await third == false)
        #expect(await gate.waiting == 0)
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let gate = UpstreamGate(limit: 1, maxWait: .seconds(30))
        #expect(await gate.enter())
        let waiter = Task { await gate.enter() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        #expect(await waiter.value == false)
        #expect(await gate.waiting == 0)
    }

    @Test(arguments: ["", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"mess"])
    func anIdleOrDribblingConnectionIsClosed(sending prefix: String) async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_IDLE_TIMEOUT_SECONDS": "1"]) { client, _ in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            let answer = try await RawHTTP.exchange(port: port, sending: prefix, within: .seconds(8))
            #expect(answer.closedByServer)
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(800) && elapsed < .seconds(5))
        }
    }

    // MARK: Helpers

    static var hello: [String: Any] { ["messages": [["role": "user", "content": "hello"]]] }

    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    static func request(port: Int, key: String? = nil, text: String = "hello", stream: Bool = false) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        let body: [String: Any] = ["stream": stream, "messages": [["role": "user", "content": text]]]
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: withModel(body))))
        return request
    }

    /// The value of one series in the metrics' Prometheus text, or nil when it is not there.
    static func value(in metrics: GatewayMetrics, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        PrometheusText(String(decoding: metrics.exposition(), as: UTF8.self)).value(name, labels)
    }
}

/// An HTTP client for requests the test client cannot make (several at once, or read as they come).
func withHTTPClient(_ body: (HTTPClient) async throws -> Void) async throws {
    let http = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        try await body(http)
    } catch {
        try await http.shutdown()
        throw error
    }
    try await http.shutdown()
}

/// The Prometheus text format, parsed into samples.
struct PrometheusText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    /// The sum of the samples named `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }
}
