import NIOCore

/// The core's output contract: what every dialect's encoder makes of a turn's reply, as bytes for
/// the wire. Streamed, the opening event, one event per `ReplyEvent`, keep-alives and a failure after
/// the stream began; whole, one body.
public protocol ReplyEncoder: Sendable {
    /// The first event, written at once (Chat Completions' role chunk, Anthropic's `message_start`).
    func opening() throws -> ByteBuffer
    /// One reply event as server-sent-event bytes.
    mutating func encode(_ event: ReplyEvent) throws -> ByteBuffer
    /// What is written while Copilot is silent, so that proxies and clients keep the connection.
    static var keepAlive: ByteBuffer { get }
    /// A failure after the stream began, as its last event.
    func failure(_ failure: ClientFailure) -> ByteBuffer
    /// The whole reply as one JSON body.
    func whole(_ reply: TurnReply) throws -> ByteBuffer
}
