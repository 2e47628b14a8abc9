import AsyncHTTPClient
import Hummingbird
import NIOCore
import NIOHTTP1

/// A chat completion's upstream I/O with none of the gateway's work: what the gateway's own libraries
/// (Hummingbird serving, AsyncHTTPClient calling Graph) cost for the same calls and writes.
///
/// Per request it reads the body whole, then makes the Graph calls the gateway makes: a first turn
/// creates a conversation and chats in it; a continuing turn (`?turn=continue`) chats in one
/// conversation made at start-up. A whole answer is collected and answered with a fixed completion; a
/// stream gets an opening event, one small event per read from Graph (the gateway writes at most one
/// per read) and `[DONE]`; with `?writes=end`, one event after the last read instead (the floor of
/// reading alone). Nothing is parsed beyond the new conversation's id, nothing is formatted, nothing
/// is recorded.
struct GraphRelay: Sendable {
    struct UnexpectedAnswer: Error, CustomStringConvertible {
        var description: String
    }

    let client: HTTPClient
    let baseURL: String
    /// The conversation continuing turns chat in, made at start-up.
    let standing: String

    /// A relay to Graph at `baseURL`, with its standing conversation made.
    static func start(client: HTTPClient, baseURL: String) async throws -> GraphRelay {
        GraphRelay(client: client, baseURL: baseURL, standing: try await createConversation(client: client, baseURL: baseURL))
    }

    func answer(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 8 << 20)
        let streamed = Self.asksToStream(body.readableBytesView)
        let conversation =
            request.uri.queryParameters["turn"] == "continue" ? standing : try await Self.createConversation(client: client, baseURL: baseURL)
        if streamed {
            let writesEachRead = request.uri.queryParameters["writes"] != "end"
            let upstream = try await post("/beta/copilot/conversations/\(conversation)/chatOverStream", accept: "text/event-stream")
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(staticString: Self.opening))
                for try await _ in upstream.body where writesEachRead {
                    try await writer.write(ByteBuffer(staticString: Self.delta))
                }
                if !writesEachRead { try await writer.write(ByteBuffer(staticString: Self.delta)) }
                try await writer.write(ByteBuffer(staticString: Self.done))
                try await writer.finish(nil)
            })
        }
        let upstream = try await post("/beta/copilot/conversations/\(conversation)/chat", accept: "application/json")
        _ = try await upstream.body.collect(upTo: 64 << 20)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(staticString: Self.completion)))
    }

    /// Whether the body has `"stream"`, a colon and `true` (spaces allowed between them): the one field
    /// the relay reads, by its bytes.
    static func asksToStream(_ body: ByteBufferView) -> Bool {
        let isSpace: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
        var searched = body[...]
        // `"stream"` may also be a string value; the key is the one followed by a colon.
        while let key = searched.firstRange(of: streamKey) {
            var rest = body[key.upperBound...].drop(while: isSpace)
            searched = body[key.upperBound...]
            guard rest.first == UInt8(ascii: ":") else { continue }
            rest = rest.dropFirst().drop(while: isSpace)
            return rest.starts(with: "true".utf8)
        }
        return false
    }

    /// `POST /beta/copilot/conversations`; the new conversation's id, found by its bytes.
    static func createConversation(client: HTTPClient, baseURL: String) async throws -> String {
        let response = try await post(
            "/beta/copilot/conversations", accept: "application/json", body: ByteBuffer(staticString: "{}"), client: client, baseURL: baseURL)
        let body = try await response.body.collect(upTo: 1 << 20)
        let bytes = body.readableBytesView
        guard let key = bytes.firstRange(of: Self.idKey), let end = bytes[key.upperBound...].firstIndex(of: UInt8(ascii: "\"")) else {
            throw UnexpectedAnswer(description: "no conversation id in the answer to the create call (HTTP \(response.status.code))")
        }
        return String(decoding: bytes[key.upperBound..<end], as: UTF8.self)
    }

    private func post(_ path: String, accept: String) async throws -> HTTPClientResponse {
        try await Self.post(path, accept: accept, body: ByteBuffer(staticString: Self.chatBody), client: client, baseURL: baseURL)
    }

    private static func post(_ path: String, accept: String, body: ByteBuffer, client: HTTPClient, baseURL: String) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer stack-floor")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: accept)
        request.body = .bytes(body)
        let response = try await client.execute(request, timeout: .seconds(60))
        guard response.status == .ok || response.status == .created else {
            throw UnexpectedAnswer(description: "Graph answered \(path) with HTTP \(response.status.code)")
        }
        return response
    }

    private static let streamKey = Array(#""stream""#.utf8)
    private static let idKey = Array(#""id":""#.utf8)
    private static let chatBody: StaticString = #"{"locationHint":{"timeZone":"UTC"},"message":{"text":"hi"}}"#
    private static let opening: StaticString = """
        data: {"id":"chatcmpl-floor","object":"chat.completion.chunk","created":0,"model":"copilot","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n
        """
    private static let delta: StaticString = """
        data: {"id":"chatcmpl-floor","object":"chat.completion.chunk","created":0,"model":"copilot","choices":[{"index":0,"delta":{"content":"…"},"finish_reason":null}]}\n\n
        """
    private static let done: StaticString = "data: [DONE]\n\n"
    private static let completion: StaticString = """
        {"id":"chatcmpl-floor","object":"chat.completion","created":0,"model":"copilot","choices":[{"index":0,"message":\
        {"role":"assistant","content":"A fixed answer of about the size of a short reply, so that the write costs what the \
        gateway's does.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":\
        10,"completion_tokens":20,"total_tokens":30,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},\
        "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,\
        "rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":null}
        """
}
