import NIOCore

import Foundation

extension ResponsesEncoder {
    static var keepAlive: ByteBuffer { ByteBuffer(string: ": keep-alive\n\n") }

    /// `response.created` and `response.in_progress` (sequence numbers 0 and 1).
    func opening() throws -> ByteBuffer {
        var buffer = try Self.event("response.created", 0, ["response": response(status: "in_progress", output: [], usage: nil)])
        var next = try Self.event("response.in_progress", 1, ["response": response(status: "in_progress", output: [], usage: nil)])
        buffer.writeBuffer(&next)
        return buffer
    }

    mutating func encode(_ event: ReplyEvent) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        switch event {
        case .textDelta(let text):
            if open?.isMessage != true {
                try close(into: &buffer)
                try begin(Self.message(id: messageID, text: "", status: "in_progress"), into: &buffer)
                try emit("response.content_part.added", ["content_index": .number(0), "part": Self.outputText("", final: false)], into: &buffer)
            }
            open?.text += text
            // The open item is the message: `emit`'s item_id and output_index, written directly.
            Self.writeTextDelta(text, itemID: messageID, outputIndex: output.count, sequence: sequence, into: &buffer)
            sequence += 1
        case .toolCallStarted(_, let id, let name):
            try close(into: &buffer)
            try begin(callItem(id, name: name, arguments: "", status: "in_progress"), into: &buffer)
        case .toolCallArguments(_, let fragment):
            open?.text += fragment
            if open?.item["type"] == .string("function_call") {
                try emit("response.function_call_arguments.delta", ["delta": .string(fragment)], into: &buffer)
            }
        case .finished(let reason, let usage):
            try close(into: &buffer)
            // Copilot declining ends the response `incomplete` (content_filter), announced as
            // `response.completed` all the same: Codex reads no other end and would retry the turn.
            let status = reason == .contentFilter ? "incomplete" : "completed"
            var completed = try Self.event(
                "response.completed", sequence, ["response": response(status: status, output: output, usage: usage)])
            sequence += 1
            buffer.writeBuffer(&completed)
        }
        return buffer
    }

    /// The open item ends `incomplete` (its events close as a finished one's do), then `response.failed`
    /// with the error.
    func failure(_ failure: ClientFailure) -> ByteBuffer {
        var ending = self
        var buffer = ByteBuffer()
        try? ending.close(into: &buffer, status: "incomplete")
        let failed = ending.response(status: "failed", output: ending.output, usage: nil, error: failure)
        var event = (try? Self.event("response.failed", ending.sequence, ["response": failed])) ?? ByteBuffer()
        buffer.writeBuffer(&event)
        return buffer
    }

    /// An output item begins.
    private mutating func begin(_ item: [String: JSONValue], into buffer: inout ByteBuffer) throws {
        open = OpenItem(item: item)
        var event = try Self.event("response.output_item.added", sequence, ["output_index": .number(Double(output.count)), "item": .object(item)])
        sequence += 1
        buffer.writeBuffer(&event)
    }

    /// The open item ends: its text or arguments are final (`incomplete` when the response failed).
    private mutating func close(into buffer: inout ByteBuffer, status: String = "completed") throws {
        guard var item = open else { return }
        switch item.item["type"]?.stringValue {
        case "message":
            let final: [String: JSONValue] = ["content_index": .number(0), "logprobs": .array([])]
            try emit("response.output_text.done", final.merging(["text": .string(item.text)]) { $1 }, into: &buffer)
            try emit("response.content_part.done", ["content_index": .number(0), "part": Self.outputText(item.text)], into: &buffer)
            item.item["content"] = .array([Self.outputText(item.text)])
        case "custom_tool_call":
            let input = Self.freeText(item.text)
            try emit("response.custom_tool_call_input.delta", ["delta": .string(input)], into: &buffer)
            try emit("response.custom_tool_call_input.done", ["input": .string(input)], into: &buffer)
            item.item["input"] = .string(input)
        default:
            try emit("response.function_call_arguments.done", ["arguments": .string(item.text), "name": item.item["name"] ?? .null], into: &buffer)
            item.item["arguments"] = .string(item.text)
        }
        item.item["status"] = .string(status)
        var done = try Self.event("response.output_item.done", sequence, ["output_index": .number(Double(output.count)), "item": .object(item.item)])
        sequence += 1
        buffer.writeBuffer(&done)
        output.append(.object(item.item))
        open = nil
    }

    /// An event about the open item (its id and place are added).
    private mutating func emit(_ type: String, _ fields: [String: JSONValue], into buffer: inout ByteBuffer) throws {
        var fields = fields
        fields["item_id"] = open?.item["id"] ?? .null
        fields["output_index"] = .number(Double(output.count))
        var event = try Self.event(type, sequence, fields)
        sequence += 1
        buffer.writeBuffer(&event)
    }

    /// A `response.output_text.delta`, the stream's most frequent event, written without a
    /// `JSONEncoder` but byte for byte as ``emit(_:_:into:)`` writes it (keys sorted).
    static func writeTextDelta(_ text: String, itemID: String, outputIndex: Int, sequence: Int, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("event: response.output_text.delta\ndata: {\"content_index\":0,\"delta\":")
        buffer.writeJSONString(text)
        buffer.writeStaticString(#","item_id":"#)
        buffer.writeJSONString(itemID)
        buffer.writeStaticString(#","logprobs":[],"output_index":"#)
        buffer.writeString(String(outputIndex))
        buffer.writeStaticString(#","sequence_number":"#)
        buffer.writeString(String(sequence))
        buffer.writeStaticString(#","type":"response.output_text.delta"}"#)
        buffer.writeStaticString("\n\n")
    }

    static func event(_ type: String, _ sequence: Int, _ fields: [String: JSONValue]) throws -> ByteBuffer {
        var fields = fields
        fields["sequence_number"] = .number(Double(sequence))
        return try ByteBuffer.typedEvent(type, fields)
    }
}
