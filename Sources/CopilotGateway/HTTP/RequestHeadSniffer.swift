#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Reads the raw bytes of each request's head, ahead of the HTTP parser, for what decides the shape of
/// its errors: the path of its request line and whether it sent `anthropic-version`. When the parser
/// refuses a head (a bad header byte, an obs-fold, two lengths), no route or middleware runs, yet the
/// answer must still take the shape of the path it was sent to (`ParseErrorBodyHandler` asks this).
/// Heads are queued in the order they came, since one read may hold several pipelined requests; the
/// parser's side takes the first off as it parses each. Only the start of each line is kept.
final class RequestHeadSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// What a head said, as far as it was read.
    struct Head: Equatable {
        var path: String
        var hasAnthropicVersion = false
    }

    /// The heads read and not yet parsed, oldest first (at most `queueLimit`).
    private(set) var heads: [Head] = []
    /// The start of the line being read, up to `lineLimit` bytes.
    private var line: [UInt8] = []
    /// Whether the line being read was already judged at `lineLimit` bytes (a request line too long
    /// for the parser, which refuses it before it ends).
    private var lineJudged = false
    static let lineLimit = 1024
    static let queueLimit = 16

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unwrapInboundIn(data).withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var start = 0
            while start < bytes.count {
                // `memchr`: a body's megabytes pass at the speed of memory, in any build.
                let end = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start).map { UnsafeRawPointer($0) - base }
                let room = Self.lineLimit - line.count
                if room > 0 { line.append(contentsOf: bytes[start..<min(end ?? bytes.count, start + room)]) }
                if line.count == Self.lineLimit, !lineJudged {
                    judgeLine()
                    lineJudged = true
                }
                guard let end else { break }
                endLine()
                start = end + 1
            }
        }
        context.fireChannelRead(data)
    }

    /// The parser has read the oldest head.
    func headParsed() {
        if !heads.isEmpty { heads.removeFirst() }
    }

    private func endLine() {
        if !lineJudged { judgeLine() }
        line.removeAll(keepingCapacity: true)
        lineJudged = false
    }

    /// A request line starts a head; an `anthropic-version` line marks the latest.
    private func judgeLine() {
        if let path = Self.requestPath(line) {
            if heads.count == Self.queueLimit { heads.removeFirst() }
            heads.append(Head(path: path))
        } else if Self.isAnthropicVersion(line), !heads.isEmpty {
            heads[heads.count - 1].hasAnthropicVersion = true
        }
    }

    /// The path of a request line (`METHOD /path?query HTTP/1.1`, read as far as its first
    /// `lineLimit` bytes), without its query; nil for any other line.
    static func requestPath(_ line: [UInt8]) -> String? {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")), (1...24).contains(space),
            line[..<space].allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0 & ~0x20) }),
            line.count > space + 1, line[space + 1] == UInt8(ascii: "/")
        else { return nil }
        let target = line[(space + 1)...]
        let end = target.firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "\r") } ?? target.endIndex
        return String(decoding: target[..<end], as: UTF8.self)
    }

    static func isAnthropicVersion(_ line: [UInt8]) -> Bool {
        let name = Array("anthropic-version:".utf8)
        guard line.count >= name.count else { return false }
        return zip(line, name).allSatisfy { $0 | 0x20 == $1 | 0x20 }
    }
}
