import CopilotSimulator
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import NIOEmbedded
import Testing

@testable import CopilotGateway

/// What a client can do to a connection: drip its body, send more than the limit before reading, break
/// the HTTP framing, stop reading its answer. Each ends in a clear answer and frees what it held.
@Suite struct ConnectionHardeningTests {
    static let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

    @Test func aClientDrippingItsBodyHoldsNoPlaceAndGets408AfterTheBodyTimeout() async throws {
        let environment = ["GATEWAY_MAX_CONCURRENT_PER_KEY": "1", "GATEWAY_BODY_TIMEOUT_SECONDS": "2", "GATEWAY_IDLE_TIMEOUT_SECONDS": "30"]
        try await GatewayHarness.run(environment: environment) { client, _ in
            let port = try #require(client.port)
            async let dripped = RawHTTP.exchange(
                port: port, sending: Self.head + "Content-Length: 200\r\n\r\n", thenDrip: 60, every: .milliseconds(100), within: .seconds(10))
            try await Task.sleep(for: .milliseconds(300))
            // The dripping request has not arrived yet, so it holds no place of the only one.
            #expect(try await client.chat(LimitTests.hello).status == .ok)
            let answer = try await dripped
            #expect(answer.text.hasPrefix("HTTP/1.1 408"))
            #expect(answer.text.contains(#""code":"request_timeout""#))
            #expect(answer.closedByServer)
            // The 408 is the body timeout's (the client would drip for 6 s and wait until 10 s).
        }
    }

    @Test func aBodyOverTheLimitSentWholeBeforeReadingGetsIts413AtOnce() async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_MAX_BODY_MB": "1", "GATEWAY_IDLE_TIMEOUT_SECONDS": "30"]) { client, _ in
            let port = try #require(client.port)
            let body = String(repeating: "x", count: 3 << 20)
            let started = ContinuousClock.now
            let answer = try await RawHTTP.exchange(
                port: port, sending: Self.head + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body, within: .seconds(20))
            #expect(answer.text.hasPrefix("HTTP/1.1 413"))
            #expect(answer.text.contains(#""code":"request_too_large""#))
            // Long before the 30 s idle timeout or the client's 20 s: the limit, not a timeout, ended it
            // (about 1 s alone; the bound leaves a machine busy with the whole suite its slack).
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func aBodyDeclaredFarBeyondTheLimitIsAnswered413BeforeItIsSent() async throws {
        try await GatewayHarness.run(environment: ["GATEWAY_MAX_BODY_MB": "1", "GATEWAY_IDLE_TIMEOUT_SECONDS": "30"]) { client, _ in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            // 5 GiB announced, a little sent, then the client waits for the answer.
            let answer = try await RawHTTP.exchange(
                port: port, sending: Self.head + "Content-Length: 5368709120\r\n\r\n" + String(repeating: "x", count: 4096), within: .seconds(20))
            #expect(answer.text.hasPrefix("HTTP/1.1 413"))
            #expect(answer.text.contains("Connection: close"))
            #expect(answer.closedByServer)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func bodiesBeingReadTogetherAreBoundedInMemory() async {
        let budget = BodyBudget(capacity: 10, share: 10)
        #expect(budget.reserve(6, for: "key:a") == nil)
        let body = RequestBody(buffer: ByteBuffer(string: "0123456789"))
        switch await RequestBodyReader.collect(body, maxSize: 100, drainLimit: 100, budget: budget, caller: "key:b") {
        case .overBudget(.full): break
        default: Issue.record("a body that does not fit the budget must be refused")
        }
        #expect(budget.inUse == 6, "a refused body gives back what it took")
        budget.release(6, for: "key:a")
        switch await RequestBodyReader.collect(body, maxSize: 100, drainLimit: 100, budget: budget, caller: "key:b") {
        case .complete(let buffer): #expect(buffer.readableBytes == 10 && budget.inUse == 10)
        default: Issue.record("a body that fits must be read")
        }
    }

    @Test func oneCallersBodiesTakeAtMostItsShareAndLeaveTheRestToOthers() {
        let budget = BodyBudget(capacity: 100)
        #expect(budget.share == 25)
        #expect(budget.reserve(20, for: "key:a") == nil)
        #expect(budget.reserve(10, for: "key:a") == .callersShare)
        #expect(budget.inUse(by: "key:a") == 20, "a refused reservation takes nothing")
        #expect(budget.reserve(25, for: "key:b") == nil)
        budget.release(20, for: "key:a")
        #expect(budget.inUse(by: "key:a") == 0 && budget.inUse == 25)
        #expect(budget.reserve(25, for: "key:a") == nil)
    }

    @Test func aBodyCutShortByTheClientGivesItsMemoryBack() async {
        let budget = BodyBudget(capacity: 1000, share: 1000)
        let (chunks, source) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        source.yield(ByteBuffer(string: "{\"model\":\"copilot\",\"messages\":"))
        source.finish(throwing: HTTPParserError.invalidEOFState)  // the client hung up half-way
        switch await RequestBodyReader.collect(RequestBody(asyncSequence: chunks), maxSize: 100, drainLimit: 100, budget: budget) {
        case .malformed(let reason): #expect(reason == "the connection ended before the body did")
        default: Issue.record("a body cut short must be refused as malformed")
        }
        #expect(budget.inUse == 0)
    }

    @Test func aRouteThatAnsweredBeforeTheBodyBrokeGetsNoSecondAnswer() async throws {
        try await GatewayHarness.run { client, _ in
            let request = "GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n"
            let answer = try await RawHTTP.exchange(port: try #require(client.port), sending: request, within: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 200"))
            #expect(answer.text.components(separatedBy: "HTTP/1.1 ").count == 2, "one answer only: \(answer.text)")
            #expect(answer.closedByServer)
        }
    }

    @Test(arguments: [
        (head + "Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n", false, "chunk size"),
        (head + "Transfer-Encoding: bogus\r\n\r\n{}", false, "could not be read"),
        (head + "Transfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}", false, "could not be read"),
        (head + "Content-Length: 100\r\n\r\n{\"model\":\"copilot\",\"messages\":", true, "ended before the body did"),
        ("GARBAGE\r\n\r\n", false, "could not be read"),
        ("GET /v1/models HTTP/1.1\r\nHo st: x\r\n\r\n", false, "could not be read"),
    ])
    func brokenFramingIsA400WithAnOpenAIBody(request: String, halfClose: Bool, words: String) async throws {
        try await GatewayHarness.run { client, _ in
            let answer = try await RawHTTP.exchange(port: try #require(client.port), sending: request, halfClose: halfClose, within: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text)")
            let body = try #require(answer.text.range(of: "\r\n\r\n").map { answer.text[$0.upperBound...] })
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let error = try #require(json["error"] as? [String: Any])
            #expect(Set(error.keys) == ["message", "type", "param", "code"])
            #expect((error["message"] as? String)?.contains(words) == true, "\(error)")
            #expect(answer.closedByServer)
            // The gateway goes on serving.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test func aStreamWhoseClientStopsReadingFreesItsPlaceAfterTheWriteTimeout() async throws {
        let environment = ["GATEWAY_MAX_CONCURRENT_PER_KEY": "1", "GATEWAY_WRITE_TIMEOUT_SECONDS": "1"]
        try await GatewayHarness.run(simulator: .init(snapshotCount: 1, eventDelay: .zero), environment: environment) { client, simulator in
            // Several MB of answer: more than the socket buffers hold for a client that reads nothing.
            await simulator.addFault(.init(kind: .huge, endpoint: .stream, length: 6_000_000))
            let body = #"{"stream":true,"messages":[{"role":"user","content":"tell me everything"}]}"#
            let stalled = try RawHTTP.sendAndStopReading(
                port: try #require(client.port), request: Self.head + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
            defer { close(stalled) }
            try await Task.sleep(for: .milliseconds(500))
            var status = HTTPResponse.Status.tooManyRequests
            let deadline = ContinuousClock.now + .seconds(40)
            while status == .tooManyRequests, ContinuousClock.now < deadline {
                status = try await client.chat(LimitTests.hello).status
                if status == .tooManyRequests { try await Task.sleep(for: .milliseconds(250)) }
            }
            // The stalled stream's connection was closed, so its place is free while its client still holds the socket.
            #expect(status == .ok)
        }
    }

    /// A connected channel with the handler, whose client has just stopped reading.
    static func stalledChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: ConnectionDeadlineHandler(bodyTimeout: .seconds(60), writeTimeout: .seconds(5)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        return channel
    }

    @Test func aConnectionWhoseClientStopsReadingIsClosedAfterTheWriteTimeout() throws {
        let channel = try Self.stalledChannel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aClientThatReadsAgainInTimeKeepsItsConnection() throws {
        let channel = try Self.stalledChannel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(channel.isActive)
        _ = try channel.finish()
    }
}

/// One HTTP exchange over a plain socket, for what an HTTP client will not do.
enum RawHTTP {
    struct Answer: Sendable {
        var text: String
        /// The server closed the connection (rather than the wait running out).
        var closedByServer: Bool
    }

    struct Failure: Error { let step: String }

    /// Connects with a small receive buffer, sends `request` and returns the socket without ever
    /// reading from it: a client that stopped reading. The caller closes it.
    static func sendAndStopReading(port: Int, request: String) throws -> Int32 {
        let fd = try connected(port: port) { fd in
            var size: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBufferPointer({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            close(fd)
            throw Failure(step: "send")
        }
        return fd
    }

    /// A TCP socket connected to loopback `port`; `prepare` runs before the connection is made.
    private static func connected(port: Int, prepare: (Int32) -> Void = { _ in }) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(step: "socket") }
        prepare(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(step: "connect")
        }
        return fd
    }

    /// Sends `request` (then, if asked, one space every `every`, `drip` times, stopping when the server
    /// answers), optionally half-closes, and reads until the server closes or `limit` runs out.
    static func exchange(
        port: Int, sending request: String, halfClose: Bool = false, thenDrip drip: Int = 0, every: Duration = .zero, within limit: Duration
    ) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try blockingExchange(port: port, request: Array(request.utf8), halfClose: halfClose, drip: drip, every: every, limit: limit)
                })
            }
        }
    }

    private static func blockingExchange(port: Int, request: [UInt8], halfClose: Bool, drip: Int, every: Duration, limit: Duration) throws -> Answer {
        let fd = try connected(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: Int(limit.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }  // the server stopped reading: its answer may be waiting
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<drip {
            Thread.sleep(forTimeInterval: Double(every.components.attoseconds) / 1e18 + Double(every.components.seconds))
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { received += buffer[0..<count]; break }
            if count == 0 { return Answer(text: String(decoding: received, as: UTF8.self), closedByServer: true) }
            if send(fd, " ", 1, Int32(MSG_NOSIGNAL)) <= 0 { break }
        }
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { received += buffer[0..<count]; continue }
            let closed = count == 0 || errno == ECONNRESET
            return Answer(text: String(decoding: received, as: UTF8.self), closedByServer: closed)
        }
    }
}
