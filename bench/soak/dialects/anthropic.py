"""The Anthropic Messages API (`POST /v1/messages`): the requests a client sends (with `max_tokens` and an
`anthropic-version` header), and what a `message`, its event stream and an error must look like."""

from __future__ import annotations

import json
from typing import Any

from soak.dialects.common import (TOOL_DESCRIPTION, TOOL_NAME, TOOL_PARAMETERS, ErrorAnswer, EventStream, Malformed, Reply,
                                  Request, check_counts, finish_for)

TOOL = {"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "input_schema": TOOL_PARAMETERS}
USAGE_KEYS = {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}
MESSAGE_KEYS = {"id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "usage"}
STOP_REASONS = {"end_turn": "stop", "tool_use": "tool_calls", "refusal": "content_filter"}
# Anthropic's error type for each status (500 and above, but 504 and 529: api_error).
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
               413: "request_too_large", 429: "rate_limit_error", 504: "timeout_error", 529: "overloaded_error"}


def error_type(status: int) -> str:
    return ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def arguments(value: dict) -> str:
    """A tool_use block's input as the gateway writes it into a transcript: compact JSON, keys sorted."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def check_error(obj: Any, where: str) -> ErrorAnswer:
    """`{"type":"error","error":{"type","message"}}`, exactly those keys, both non-empty strings."""
    if not isinstance(obj, dict) or set(obj) != {"type", "error"} or obj["type"] != "error" or not isinstance(obj["error"], dict):
        raise Malformed(f"{where}: not an Anthropic error body: {json.dumps(obj)[:200]}")
    e = obj["error"]
    if set(e) != {"type", "message"} or not all(isinstance(v, str) and v for v in e.values()):
        raise Malformed(f"{where}: error must be exactly a non-empty type and message: {e}")
    return ErrorAnswer(e["type"], e["message"])


def check_block(block: Any, w: str, started: bool = False) -> None:
    """A text block, or a tool_use block of the soak's tool (empty, as a stream starts them, when `started`)."""
    if not isinstance(block, dict):
        raise Malformed(f"{w}: content block {block!r}")
    if block.get("type") == "text":
        if set(block) != {"type", "text"} or not isinstance(block["text"], str) or (block["text"] != "" if started else not block["text"]):
            raise Malformed(f"{w}: bad text block {str(block)[:200]}")
    elif block.get("type") == "tool_use":
        if (set(block) != {"type", "id", "name", "input"} or not str(block["id"]).startswith("toolu_") or block["name"] != TOOL_NAME
                or not isinstance(block["input"], dict) or (started and block["input"] != {})):
            raise Malformed(f"{w}: bad tool_use block {str(block)[:200]}")
    else:
        raise Malformed(f"{w}: unexpected content block {str(block)[:200]}")


def reply_of(content: list[dict], stop_reason: str, w: str) -> Reply:
    text = "".join(b["text"] for b in content if b["type"] == "text")
    calls = [{"id": b["id"], "name": b["name"], "arguments": arguments(b["input"])} for b in content if b["type"] == "tool_use"]
    refused = stop_reason == "refusal"
    if (stop_reason == "tool_use") != bool(calls) or (refused and calls) or (not calls and not text):
        raise Malformed(f"{w}: stop_reason {stop_reason} with {len(calls)} tool_use blocks and text {text[:80]!r}")
    return Reply(text, calls, finish_for(calls, refused), stop_reason, raw=content)


class AnthropicDialect:
    name = "anthropic"
    title = "Anthropic Messages"
    path = "/v1/messages"
    statuses = frozenset({429, 502, 503, 504, 529})   # Copilot busy or unavailable is 529 overloaded_error
    keyings = ("header", "metadata", "none")         # `x-claude-code-session-id`, `metadata.user_id`, neither
    models = ("claude-sonnet-4-5", "copilot", "soak-model")

    def request(self, sess, history: list[dict], new: dict, streamed: bool, rng) -> Request:
        model = rng.choice(self.models)
        system: Any = sess.system if rng.random() < 0.5 else [{"type": "text", "text": sess.system}]
        body: dict[str, Any] = {"model": model, "max_tokens": 1024, "system": system,
                                "messages": [self.message(e) for e in history + [new]]}
        if streamed:
            body["stream"] = True
        if sess.tools:
            body["tools"] = [TOOL]
        headers = {"anthropic-version": "2023-06-01"}
        if sess.keying == "header":
            headers["x-claude-code-session-id"] = sess.tag
        elif sess.keying == "metadata":
            body["metadata"] = {"user_id": sess.tag}
        return Request(self.path, body, headers, model)

    @staticmethod
    def message(entry: dict) -> dict:
        if entry["role"] == "tool":
            return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": entry["call_id"], "content": entry["text"]}]}
        if entry["role"] == "assistant":
            return {"role": "assistant", "content": entry["raw"]}   # the content blocks as the gateway sent them
        return {"role": "user", "content": entry["text"]}

    def error(self, obj: Any, where: str) -> ErrorAnswer:
        return check_error(obj, where)

    def whole(self, obj: Any, req: Request) -> Reply:
        """A `message`: every field, the model echoed, a known stop_reason, usage counts, text or tool_use blocks."""
        w = "message"
        if not isinstance(obj, dict) or set(obj) != MESSAGE_KEYS:
            raise Malformed(f"{w}: keys {sorted(obj) if isinstance(obj, dict) else obj!r} != {sorted(MESSAGE_KEYS)}")
        if obj["type"] != "message" or obj["role"] != "assistant" or not str(obj["id"]).startswith("msg_"):
            raise Malformed(f"{w}: bad type/role/id {obj['type']!r} {obj['role']!r} {obj['id']!r}")
        if obj["model"] != req.model:
            raise Malformed(f"{w}: model {obj['model']!r} is not the requested {req.model!r}")
        if obj["stop_reason"] not in STOP_REASONS or obj["stop_sequence"] is not None:
            raise Malformed(f"{w}: stop_reason {obj['stop_reason']!r}, stop_sequence {obj['stop_sequence']!r}")
        check_counts(obj["usage"], USAGE_KEYS, w)
        if not isinstance(obj["content"], list):
            raise Malformed(f"{w}: content is not a list")
        for block in obj["content"]:
            check_block(block, w)
        return reply_of(obj["content"], obj["stop_reason"], w)

    def stream(self, req: Request) -> "MessageEvents":
        return MessageEvents(req)


class MessageEvents(EventStream):
    """`message_start`; per content block `content_block_start`, its deltas (`text_delta` or
    `input_json_delta`) and `content_block_stop`; `message_delta` with the stop reason and usage, then
    `message_stop`. `ping`s anywhere after the start; an `error` event ends a failed stream."""

    def __init__(self, req: Request) -> None:
        super().__init__(req)
        self.started = False
        self.blocks: list[dict] = []
        self.open: dict | None = None
        self.partial = ""
        self.stop_reason: str | None = None

    def event(self, lines: list[str]) -> None:
        name, obj = self.typed(lines)
        if not self.started:
            if name != "message_start":
                raise Malformed(f"stream: the first event is {name!r}, not message_start")
            return self.message_start(obj)
        if name == "ping":
            if obj != {"type": "ping"}:
                raise Malformed(f"stream: bad ping {obj!r}")
            self.events -= 1
            self.keepalives += 1
            return
        if name == "error":
            self.error = check_error(obj, "stream error event")
            return
        if self.stop_reason is not None and name != "message_stop":
            raise Malformed(f"stream: {name} after message_delta")
        handler = {"content_block_start": self.block_start, "content_block_delta": self.block_delta,
                   "content_block_stop": self.block_stop, "message_delta": self.message_delta,
                   "message_stop": self.message_stop}.get(name)
        if handler is None:
            raise Malformed(f"stream: unexpected event {name!r}")
        handler(obj)

    def message_start(self, obj: dict) -> None:
        m = obj.get("message")
        if (set(obj) != {"type", "message"} or not isinstance(m, dict) or set(m) != MESSAGE_KEYS or m["type"] != "message"
                or m["role"] != "assistant" or not str(m["id"]).startswith("msg_") or m["model"] != self.req.model
                or m["content"] != [] or m["stop_reason"] is not None or m["stop_sequence"] is not None):
            raise Malformed(f"stream: bad message_start {str(obj)[:200]}")
        check_counts(m["usage"], USAGE_KEYS, "stream message_start")
        self.started = True

    def block_start(self, obj: dict) -> None:
        if self.open is not None or obj.get("index") != len(self.blocks):
            raise Malformed(f"stream: content_block_start at {obj.get('index')!r} while block {len(self.blocks)} is due or one is open")
        check_block(obj.get("content_block"), "stream content_block_start", started=True)
        self.open = dict(obj["content_block"])
        self.partial = ""

    def block_delta(self, obj: dict) -> None:
        b, d = self.open, obj.get("delta")
        if b is None or obj.get("index") != len(self.blocks) or not isinstance(d, dict):
            raise Malformed(f"stream: content_block_delta {str(obj)[:160]} without its open block")
        if b["type"] == "text" and set(d) == {"type", "text"} and d["type"] == "text_delta" and isinstance(d["text"], str) and d["text"]:
            b["text"] += d["text"]
        elif b["type"] == "tool_use" and set(d) == {"type", "partial_json"} and d["type"] == "input_json_delta" and isinstance(d["partial_json"], str):
            self.partial += d["partial_json"]
        else:
            raise Malformed(f"stream: delta {d!r} in a {b['type']} block")

    def block_stop(self, obj: dict) -> None:
        b = self.open
        if b is None or set(obj) != {"type", "index"} or obj["index"] != len(self.blocks):
            raise Malformed(f"stream: content_block_stop {obj!r} without its open block")
        if b["type"] == "tool_use":
            try:
                b["input"] = json.loads(self.partial) if self.partial else {}
            except ValueError:
                raise Malformed(f"stream: a tool_use block's input_json_delta pieces are not JSON: {self.partial[:120]!r}") from None
        check_block(b, "stream content_block_stop")
        self.blocks.append(b)
        self.open = None

    def message_delta(self, obj: dict) -> None:
        d = obj.get("delta")
        if (self.open is not None or set(obj) != {"type", "delta", "usage"} or not isinstance(d, dict)
                or set(d) != {"stop_reason", "stop_sequence"} or d["stop_reason"] not in STOP_REASONS or d["stop_sequence"] is not None):
            raise Malformed(f"stream: bad message_delta {str(obj)[:200]}")
        check_counts(obj["usage"], USAGE_KEYS, "stream message_delta")
        self.stop_reason = d["stop_reason"]

    def message_stop(self, obj: dict) -> None:
        if self.stop_reason is None or obj != {"type": "message_stop"}:
            raise Malformed(f"stream: message_stop {obj!r} before message_delta")
        self.done = True

    def reply(self) -> Reply:
        return reply_of(self.blocks, self.stop_reason, "stream")
