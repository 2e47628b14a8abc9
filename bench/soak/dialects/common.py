"""What the three dialects share: a reply in neutral terms, the request a dialect builds, the SSE framing
every stream of the gateway has, and the checks of an OpenAI error body and of a count of tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

OPENAI_ERROR_KEYS = {"message", "type", "param", "code"}
TOOL_NAME = "soak_lookup"
TOOL_DESCRIPTION = "Looks up a soak-test key."
TOOL_PARAMETERS = {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}


class Malformed(Exception):
    """The gateway answered with something that is not valid in the request's dialect."""


@dataclass
class Reply:
    """A successful answer, in neutral terms: its text, its tool calls ({"id", "name", "arguments"}, the
    arguments as JSON text, written as the gateway writes them back into a conversation's transcript),
    `finish` (stop, tool_calls or content_filter) and the dialect's own word for it (`native`)."""
    text: str
    calls: list[dict]
    finish: str
    native: str
    raw: Any = None               # what the client sends back as the assistant's turn, in its dialect
    response_id: str | None = None  # Responses: the response's id
    whole: Any = None             # Responses: the response object (what GET /v1/responses/{id} must give)


@dataclass
class ErrorAnswer:
    code: str | None              # the error's code (OpenAI) or type (Anthropic)
    message: str


@dataclass
class Request:
    path: str
    body: dict
    headers: dict
    model: str
    include_usage: bool = False   # Chat Completions: a usage chunk was asked for
    extra: dict = field(default_factory=dict)


def check_openai_error(obj: Any, where: str) -> ErrorAnswer:
    """`{"error":{"message","type","param","code"}}`, exactly those keys."""
    if not isinstance(obj, dict) or set(obj) != {"error"} or not isinstance(obj["error"], dict):
        raise Malformed(f"{where}: not an OpenAI error body: {json.dumps(obj)[:200]}")
    e = obj["error"]
    if set(e) != OPENAI_ERROR_KEYS:
        raise Malformed(f"{where}: error keys {sorted(e)} != {sorted(OPENAI_ERROR_KEYS)}")
    if not isinstance(e["message"], str) or not e["message"] or not isinstance(e["type"], str) or not e["type"]:
        raise Malformed(f"{where}: error message/type must be non-empty strings: {e}")
    if e["param"] is not None and not isinstance(e["param"], str):
        raise Malformed(f"{where}: error param must be a string or null")
    if e["code"] is not None and not isinstance(e["code"], str):
        raise Malformed(f"{where}: error code must be a string or null")
    return ErrorAnswer(e["code"], e["message"])


def check_counts(u: Any, keys: set[str], where: str, total: tuple[str, str, str] | None = None) -> None:
    """A usage object: exactly `keys`, the plain counts non-negative integers, and `total` = a + b if given."""
    if not isinstance(u, dict) or set(u) != keys:
        raise Malformed(f"{where}: bad usage {u!r}")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in u.values() if not isinstance(v, dict)):
        raise Malformed(f"{where}: usage values must be non-negative integers")
    if total and u[total[0]] != u[total[1]] + u[total[2]]:
        raise Malformed(f"{where}: {total[0]} is not the sum")


def json_arguments(text: Any, where: str) -> Any:
    """A tool call's arguments: JSON text of an object."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise Malformed(f"{where}: arguments are not JSON: {str(text)[:120]!r}") from None
    if not isinstance(value, dict):
        raise Malformed(f"{where}: arguments are not a JSON object: {str(text)[:120]!r}")
    return value


def finish_for(calls: list, refused: bool) -> str:
    return "content_filter" if refused else ("tool_calls" if calls else "stop")


class EventStream:
    """An SSE body read as it comes: blocks separated by blank lines, no CR, comment-only blocks counted
    as keep-alives; the dialect's `event` gets the lines of every other block. Ends with `done` (the
    dialect's last event) or `error` (its error event); nothing may follow either."""

    def __init__(self, req: Request) -> None:
        self.req = req
        self.buf = b""
        self.events = 0
        self.keepalives = 0
        self.done = False
        self.error: ErrorAnswer | None = None

    def feed(self, data: bytes) -> None:
        self.buf += data
        while b"\n\n" in self.buf:
            block, self.buf = self.buf.split(b"\n\n", 1)
            self.block(block.decode("utf-8"))

    def block(self, block: str) -> None:
        if self.done or self.error is not None:
            raise Malformed(f"stream: event after {'the end' if self.done else 'the error event'}: {block[:120]!r}")
        if "\r" in block:
            raise Malformed("stream: CR in the gateway's SSE framing")
        lines = block.split("\n")
        if all(line.startswith(":") for line in lines):
            self.keepalives += 1
            return
        self.events += 1
        self.event(lines)

    def typed(self, lines: list[str]) -> tuple[str, dict]:
        """An `event: NAME` line and one `data:` line whose JSON object has `type` NAME."""
        if len(lines) != 2 or not lines[0].startswith("event: ") or not lines[1].startswith("data: "):
            raise Malformed(f"stream: not an `event:` and a `data:` line: {chr(10).join(lines)[:160]!r}")
        name = lines[0][7:]
        try:
            obj = json.loads(lines[1][6:])
        except ValueError:
            raise Malformed(f"stream: data is not JSON: {lines[1][:160]!r}") from None
        if not isinstance(obj, dict) or obj.get("type") != name:
            raise Malformed(f"stream: event {name!r} with data of type {obj.get('type') if isinstance(obj, dict) else obj!r}")
        return name, obj

    def event(self, lines: list[str]) -> None:
        raise NotImplementedError

    def end(self) -> None:
        if self.buf.strip():
            raise Malformed(f"stream: trailing bytes without a blank line: {self.buf[:120]!r}")
        if not self.done and self.error is None:
            raise Malformed("stream: ended without its last event or an error event")

    def reply(self) -> Reply:
        raise NotImplementedError
