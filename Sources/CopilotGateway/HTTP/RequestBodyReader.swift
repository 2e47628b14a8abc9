import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1

/// Reads a request's whole body before the request is admitted to its caller's limits, so that a
/// client that drips its body a byte at a time holds no place while it does.
///
/// The body must arrive within `deadline` (`GATEWAY_BODY_TIMEOUT_SECONDS`, else 408: see
/// `ConnectionDeadlineHandler`, which keeps the time on the connection) and be at most
/// `maxSize` bytes (`GATEWAY_MAX_BODY_MB`, else 413). A body over the limit is still read and thrown
/// away, up to `drainLimit` bytes, so that a client that writes its whole body before it reads the
/// answer gets its 413 rather than a stalled connection. A body whose HTTP framing is broken (a bad
/// chunk, a connection half-closed before the body ended) is a 400.
struct RequestBodyReader: Sendable {
    var maxSize: Int
    var deadline: Duration
    var drainLimit: Int
    /// The memory all bodies being read may take together (eight of the largest by default), and one caller's share of it.
    let budget: BodyBudget

    init(maxSize: Int, deadline: Duration, drainLimit: Int = 64 << 20, budget: BodyBudget? = nil) {
        self.maxSize = maxSize
        self.deadline = deadline
        self.drainLimit = max(drainLimit, maxSize)
        self.budget = budget ?? BodyBudget(capacity: 8 * maxSize)
    }

    /// How reading ended.
    enum Outcome: Sendable {
        case complete(ByteBuffer)
        /// Over `maxSize`; `drained` when the rest was read to its end.
        case tooLarge(drained: Bool)
        /// The bodies being read already take all of the budget, or all of the caller's share.
        case overBudget(BodyBudget.Refusal)
        case timedOut
        case malformed(String)
    }

    /// A body read whole; `release()` gives its memory back to the budget once the request is done.
    struct Body: Sendable {
        var buffer: ByteBuffer
        let budget: BodyBudget
        let caller: String

        func release() { budget.release(buffer.readableBytes, for: caller) }
    }

    /// Reads the body into memory, within `caller`'s share of the budget, and puts it back into
    /// `request` as one buffer.
    func read(_ request: inout Request, caller: String) async throws(EdgeError) -> Body {
        if let coding = request.headers[.transferEncoding], coding.trimmingWhitespace.lowercased() != "chunked" {
            // `identity, chunked` and the like: HTTP/1.1 knows only chunked framing for a request body, and a
            // parser that guesses would wait for the connection to end.
            throw .unsupportedTransferEncoding(coding)
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxSize,
            declared > drainLimit || request.headers[.expect]?.lowercased() == "100-continue"
        {
            // Too much to read and throw away, or not sent yet (the client waits for 100 Continue):
            // answered at once, and the connection closed after the answer.
            throw .bodyTooLarge(limit: maxSize, drained: false)
        }
        // The deadline itself is `ConnectionDeadlineHandler`'s, on the connection: it ends the body with an error.
        switch await Self.collect(request.body, maxSize: maxSize, drainLimit: drainLimit, budget: budget, caller: caller) {
        case .complete(let buffer):
            request.body = .init(buffer: buffer)
            return Body(buffer: buffer, budget: budget, caller: caller)
        case .overBudget(.full): throw .bodyMemoryExhausted(capacity: budget.capacity)
        case .overBudget(.callersShare): throw .callersBodyShareExhausted(share: budget.share)
        case .tooLarge(let drained): throw .bodyTooLarge(limit: maxSize, drained: drained)
        case .timedOut: throw .bodyTimedOut(seconds: deadline.components.seconds)
        case .malformed(let reason): throw .malformedBody(reason)
        }
    }

    /// Reads the chunks, taking each one's bytes from `budget` for `caller` (all given back unless the
    /// body is returned whole, whose bytes `Body.release` gives back).
    static func collect(_ body: RequestBody, maxSize: Int, drainLimit: Int, budget: BodyBudget, caller: String = "anonymous") async -> Outcome {
        var buffer = ByteBuffer()
        var chunks = body.makeAsyncIterator()
        var kept = false
        defer { if !kept { budget.release(buffer.readableBytes, for: caller) } }
        do {
            while var chunk = try await chunks.next() {
                guard buffer.readableBytes + chunk.readableBytes <= maxSize else {
                    var seen = buffer.readableBytes + chunk.readableBytes
                    budget.release(buffer.readableBytes, for: caller)
                    buffer = ByteBuffer()
                    while seen <= drainLimit {
                        guard let more = try await chunks.next() else { return .tooLarge(drained: true) }
                        seen += more.readableBytes
                    }
                    return .tooLarge(drained: false)
                }
                if let refusal = budget.reserve(chunk.readableBytes, for: caller) { return .overBudget(refusal) }
                buffer.writeBuffer(&chunk)
            }
            kept = true
            return .complete(buffer)
        } catch is CancellationError, is BodyDeadlineExceeded {
            return .timedOut
        } catch let error as HTTPParserError {
            return .malformed(Self.describe(error))
        } catch {
            if Task.isCancelled { return .timedOut }
            return .malformed("its HTTP framing is broken or the connection ended before the body did")
        }
    }

    static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .invalidEOFState: "the connection ended before the body did"
        case .invalidChunkSize: "a chunk size of the chunked transfer encoding is not valid"
        case .unexpectedContentLength: "it has both a Transfer-Encoding and a Content-Length, or a body where none may be"
        case .invalidContentLength: "its Content-Length is not valid"
        case .unknown: "its HTTP framing is broken (a Transfer-Encoding other than chunked, say)"
        default: "its HTTP framing is broken (\(error))"
        }
    }
}
