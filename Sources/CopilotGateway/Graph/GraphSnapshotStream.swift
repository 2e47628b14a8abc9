import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Foundation

/// The snapshots of one `chatOverStream` response, read as they arrive.
struct GraphSnapshotStream: ReplySnapshots {
    let body: HTTPClientResponse.Body
    let logger: Logger

    /// Calls `handle` with each snapshot in order, and `afterEachRead` once the snapshots of one read
    /// from the network have all been handled (snapshots that arrive together are then acted on once);
    /// returns when Graph closes the stream. An in-band error event throws `UpstreamError.inBand`;
    /// events that are not JSON are skipped and logged.
    func forEach(_ handle: (GraphConversation) async throws -> Void, afterEachRead: () async throws -> Void) async throws {
        var decoder = ServerSentEventDecoder()
        let jsonDecoder = JSONDecoder()
        var scanner = SnapshotScanner()
        func process(_ events: [ServerSentEventDecoder.Event]) async throws {
            for event in events {
                // The scanner reads the snapshots as they grow; the final one, and whatever the scanner
                // does not read, is decoded whole.
                if let snapshot = scanner.scan(event.bytes), !snapshot.isFinalSnapshot {
                    try await handle(snapshot)
                    continue
                }
                // Usually one object: decoded as it came. Otherwise (two objects run together, text
                // that is not UTF-8 or not JSON) the event is split and repaired first.
                if let snapshot = try? jsonDecoder.decode(GraphConversation.self, from: Data(event.bytes)) {
                    if let error = snapshot.error { throw UpstreamError.inBand(code: error.code, message: error.message) }
                    try await handle(snapshot)
                    continue
                }
                for value in JSONValueSplitter.split(event.data) {
                    if value.utf8.count < 32, value.trimmingWhitespace == "[DONE]" { continue }
                    guard let snapshot = try? jsonDecoder.decode(GraphConversation.self, from: Data(value.utf8)) else {
                        logger.warning("Skipped a stream event that is not a JSON conversation", metadata: ["event.id": "\(event.id ?? "-")"])
                        continue
                    }
                    if let error = snapshot.error { throw UpstreamError.inBand(code: error.code, message: error.message) }
                    try await handle(snapshot)
                }
            }
        }
        var chunks = body.makeAsyncIterator()
        while true {
            // Only a failure to read from Graph is an upstream error; `handle`'s own errors
            // (the client went away, say) pass through as they are.
            let chunk: ByteBuffer?
            do {
                chunk = try await UpstreamWaitMeter.waiting { try await chunks.next() }
            } catch {
                throw GraphClient.upstreamError(from: error)
            }
            guard let chunk else { break }
            try await process(decoder.feed(chunk.readableBytesView))
            try await afterEachRead()
        }
        try await process(decoder.finish())
        try await afterEachRead()
    }
}
