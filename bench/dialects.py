"""The three API dialects as bench/streaming.py sends a streamed turn and reads its events.

Each dialect has its path, its headers, the body of a streamed first turn, and a reader: a callable
given each event's data (bytes) and the time of the read that completed it, which keeps the times of
the events that carried reply text, the characters of that text, whether the stream reached its end
(`[DONE]`, `response.completed`, `message_stop`) and the error, if one came instead.
"""

import json

NAMES = ("chat", "responses", "messages")


class Reader:
    """One stream of a dialect read from a gateway: content times, characters, whether it ended."""

    def __init__(self):
        self.times = []
        self.characters = 0
        self.done = False
        self.error = None

    def __call__(self, payload, now):
        if payload == b"[DONE]":
            self.done = True
            return
        try:
            event = json.loads(payload)
        except ValueError:
            self.error = "not JSON: %r" % payload[:100]
            return
        if not isinstance(event, dict):
            self.error = "not an object: %r" % payload[:100]
            return
        text = self.read(event)
        if text:
            self.times.append(now)
            self.characters += len(text)

    def read(self, event):
        """The reply text this event carries ("" if none); marks the end or an error."""
        raise NotImplementedError

    def fail(self, value):
        self.error = json.dumps(value)[:200]
        return ""


class ChatReader(Reader):
    """`chat.completion.chunk`s: `choices[].delta.content`, then `[DONE]`."""

    def read(self, event):
        if "error" in event:
            return self.fail(event["error"])
        return "".join((choice.get("delta") or {}).get("content") or "" for choice in event.get("choices") or [])


class ResponsesReader(Reader):
    """Responses events: `response.output_text.delta`'s `delta`, ending with `response.completed`."""

    def read(self, event):
        kind = event.get("type")
        if kind == "response.output_text.delta":
            return event.get("delta") or ""
        if kind == "response.completed":
            self.done = True
        elif kind in ("response.failed", "error"):
            return self.fail(event)
        return ""


class MessagesReader(Reader):
    """Anthropic events: `content_block_delta`s of `text_delta`, ending with `message_stop`."""

    def read(self, event):
        kind = event.get("type")
        if kind == "content_block_delta":
            delta = event.get("delta") or {}
            return (delta.get("text") or "") if delta.get("type") == "text_delta" else ""
        if kind == "message_stop":
            self.done = True
        elif kind == "error":
            return self.fail(event.get("error", event))
        return ""


DIALECTS = {
    "chat": {
        "path": "/v1/chat/completions", "headers": {}, "reader": ChatReader,
        "body": lambda text: {"model": "copilot", "stream": True, "messages": [{"role": "user", "content": text}]},
    },
    "responses": {
        "path": "/v1/responses", "headers": {}, "reader": ResponsesReader,
        "body": lambda text: {"model": "copilot", "stream": True, "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}]},
    },
    "messages": {
        "path": "/v1/messages", "headers": {"anthropic-version": "2023-06-01", "x-api-key": "bench-key"},
        "reader": MessagesReader,
        "body": lambda text: {"model": "copilot", "max_tokens": 1024, "stream": True,
                              "messages": [{"role": "user", "content": text}]},
    },
}


def end_name(dialect):
    """What a complete stream of the dialect ends with, for messages about one that did not."""
    return {"chat": "[DONE]", "responses": "response.completed", "messages": "message_stop"}[dialect]
