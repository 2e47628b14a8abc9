"""A fuzz case of `test_fuzz.py`, the settings its gateway runs with, and the bytes of an HTTP request."""

import dataclasses
from typing import Callable

FUZZ_KEY = "fuzz-suite-key-4f1c2a9e7b3d5c60"
MAX_BODY_MB = 1
LIMIT = MAX_BODY_MB << 20
CASE_TIMEOUT = 3.0  # seconds for one case: connect, send, and the whole answer (or the close)
DEEP_SECONDS = 1.0  # a deeply nested body must be answered within this
NESTING_LIMIT = 64
HOST = "127.0.0.1"

KINDS = {
    "json": "malformed JSON, wrong types, unknown kinds, missing fields",
    "deep": "nesting over and just under the limit, nested JSON text",
    "utf8": "invalid UTF-8, lone surrogates, bad escapes",
    "toolname": "invalid tool names (a tool call required)",
    "framing": "HTTP framing errors on raw sockets",
    "oversize": f"bodies over GATEWAY_MAX_BODY_MB={MAX_BODY_MB}",
    "auth": "API key variants",
    "route": "unknown paths, methods, odd queries",
}


@dataclasses.dataclass
class Case:
    kind: str
    sub: str  # what variant, for grouping the report
    data: bytes | Callable[[], bytes]  # the raw request (a callable for the large ones, built in the worker)
    expect: str | frozenset = "4xx"  # "4xx", "any" (anything below 500) or a set of exact statuses
    shape: str = "openai"  # the error body it must get: "openai" or "anthropic" (fuzzing.dialects)
    param: str | None = None  # the `error.param` expected, exactly (OpenAI's shape)
    param_prefix: str | None = None  # ... or a prefix of it
    code: str | dict | None = None  # the `error.code` expected (for the Anthropic shape: `error.type`), or one per status
    half_close: bool = False  # shutdown(SHUT_WR) after sending
    silent_ok: bool = False  # a close without an answer is tolerated (recorded)
    head: bool = False  # a HEAD request: the answer has no body
    max_seconds: float | None = None  # the answer must come within this
    expect_continue: bool = False  # send the head, wait briefly for 100 Continue (or the final answer), then the body
    index: int = 0

    def payload(self) -> bytes:
        return self.data() if callable(self.data) else self.data

    def head_bytes(self) -> bytes:
        data = self.payload()
        return data[: data.find(b"\r\n\r\n") + 4] if b"\r\n\r\n" in data else data


def request_bytes(method: str, target: str, body: bytes | None = None, headers: list | None = None, *, key: str | None = FUZZ_KEY,
                  content_type: str | None = "application/json", content_length: bool = True, host: bool = True) -> bytes:
    """An HTTP/1.1 request as bytes; header values may be bytes (sent as they are)."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1")]
    if host:
        lines.append(f"Host: {HOST}".encode())
    if key is not None:
        lines.append(f"Authorization: Bearer {key}".encode())
    if content_type is not None and body is not None:
        lines.append(f"Content-Type: {content_type}".encode("latin-1"))
    for name, value in headers or []:
        name = name if isinstance(name, bytes) else name.encode("latin-1")
        value = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name + b": " + value)
    if body is not None and content_length:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")
