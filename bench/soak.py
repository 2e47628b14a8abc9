#!/usr/bin/env python3
"""Mixed soak test for copilot-gateway against its own Copilot simulator.

Starts `copilot-gateway simulate` and `copilot-gateway serve` (pointed at the simulator) as child
processes, runs many concurrent multi-turn chat sessions for a bounded time while injecting random
simulator faults, and checks afterwards that

* every reply was well formed (a chat completion, a complete SSE stream, or an OpenAI error body),
* no request hung past the client timeout,
* every session's history stayed its own (no Copilot conversation ever saw two sessions' messages),
  continuing turns sent only the new message, and each continuing turn continued exactly the
  conversation that produced the reply the client holds,
* the gateway's RSS did not grow by more than --rss-limit percent after warm-up,
* its open file descriptors went back to the start value (plus --fd-margin) once the load stopped.

Python 3.11+ standard library only. See bench/SOAK.md. Exit status: 0 pass, 1 a check failed,
2 the set-up failed (binary missing, a process did not start).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TEMP_DIRS: list[Path] = []   # for the interrupt message
HOST = "127.0.0.1"

# --------------------------------------------------------------------------------------------------
# Options


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Soak copilot-gateway with many sessions and random simulator faults.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--binary", default=os.environ.get("COPILOT_GATEWAY_BIN"),
                   help="copilot-gateway binary (default: $COPILOT_GATEWAY_BIN, else .build-release/release, "
                        ".build/release or .build/debug in the repository)")
    p.add_argument("--sessions", type=int, default=50, help="concurrent sessions")
    p.add_argument("--duration", type=float, default=600, help="seconds of load")
    p.add_argument("--warmup", type=float, default=None,
                   help="seconds before the RSS baseline is taken (default: duration/5, 10..120)")
    p.add_argument("--settle", type=float, default=75,
                   help="seconds to wait after the load for fds to return (the gateway's HTTP client keeps idle "
                        "upstream connections for 60 s)")
    p.add_argument("--fault-rate", type=float, default=1.0, help="faults injected per second (0: none)")
    p.add_argument("--tool-fraction", type=float, default=0.2, help="share of sessions that offer a tool")
    p.add_argument("--abort-rate", type=float, default=0.02,
                   help="share of streamed requests the client abandons mid-stream")
    p.add_argument("--min-turns", type=int, default=3)
    p.add_argument("--max-turns", type=int, default=10, help="turns per conversation before a session starts a new one")
    p.add_argument("--think-ms", type=float, default=150, help="mean pause between a session's requests")
    p.add_argument("--timeout", type=float, default=90, help="seconds after which a request counts as hung")
    p.add_argument("--max-attempts", type=int, default=5, help="attempts per turn before the turn is dropped")
    p.add_argument("--rss-limit", type=float, default=10.0, help="allowed RSS growth after warm-up, percent")
    p.add_argument("--fd-margin", type=int, default=3, help="allowed open fds above the start value after settling")
    p.add_argument("--sample-interval", type=float, default=2.0, help="seconds between RSS/fd samples")
    p.add_argument("--snapshots", type=int, default=8, help="simulator --snapshots")
    p.add_argument("--delay-ms", type=int, default=10, help="simulator --delay-ms")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    p.add_argument("--gateway-env", action="append", default=[], metavar="NAME=VALUE",
                   help="extra environment for the gateway (repeatable), e.g. COPILOT_MAX_CONVERSATIONS=500")
    p.add_argument("--allow-log-errors", action="store_true",
                   help="do not fail on error/critical lines in the gateway log")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, state)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("--verbose", "-v", action="store_true", help="print every problem, not only the first few")
    a = p.parse_args(argv)
    if a.warmup is None:
        a.warmup = max(10.0, min(120.0, a.duration / 5))
    if a.sessions < 1 or a.duration <= 0 or a.min_turns < 1 or a.max_turns < a.min_turns:
        p.error("need --sessions >= 1, --duration > 0, 1 <= --min-turns <= --max-turns")
    if a.warmup >= a.duration:
        p.error("--warmup must be shorter than --duration")
    return a


def find_binary(explicit: str | None) -> Path:
    candidates = [explicit] if explicit else [
        str(REPO / ".build-release/release/copilot-gateway"),
        str(REPO / ".build/release/copilot-gateway"),
        str(REPO / ".build/debug/copilot-gateway"),
    ]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return Path(c)
    raise SystemExit(f"soak: no copilot-gateway binary found (tried {', '.join(filter(None, candidates))}); pass --binary")


# --------------------------------------------------------------------------------------------------
# Child processes


class Children:
    """The simulator and gateway processes; killed on exit, also on Ctrl-C and SIGTERM."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
        out = open(log, "wb")
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    proc.terminate()
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proc_rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


# --------------------------------------------------------------------------------------------------
# Minimal HTTP/1.1 client on asyncio streams


class ProtocolError(Exception):
    """The server broke HTTP/1.1 framing or closed the connection early."""


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reusable = False

    @classmethod
    async def open(cls, port: int) -> "Connection":
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 22)
        return cls(reader, writer)

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass

    async def send(self, method: str, path: str, port: int, headers: dict[str, str], body: bytes | None,
                   keep_alive: bool) -> None:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}",
                 "Connection: " + ("keep-alive" if keep_alive else "close")]
        for k, v in headers.items():
            lines.append(f"{k}: {v}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        self.writer.write(data)
        await self.writer.drain()

    async def read_head(self) -> tuple[int, dict[str, str]]:
        line = await self.reader.readline()
        if not line:
            raise ProtocolError("connection closed before the status line")
        parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {line[:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            h = await self.reader.readline()
            if not h:
                raise ProtocolError("connection closed inside the headers")
            if h in (b"\r\n", b"\n"):
                break
            name, _, value = h.decode("latin-1").partition(":")
            key = name.strip().lower()
            headers[key] = (headers[key] + ", " if key in headers else "") + value.strip()
        return status, headers

    async def body_chunks(self, headers: dict[str, str], keep_alive: bool):
        """Yields the body in pieces; marks the connection reusable when the body ended cleanly."""
        te = headers.get("transfer-encoding", "").lower()
        server_close = "close" in headers.get("connection", "").lower()
        if "chunked" in te:
            while True:
                size_line = await self.reader.readline()
                if not size_line:
                    raise ProtocolError("connection closed inside a chunked body")
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {size_line[:40]!r}") from None
                if size == 0:
                    while True:  # trailers
                        t = await self.reader.readline()
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                try:
                    data = await self.reader.readexactly(size)
                    crlf = await self.reader.readexactly(2)
                except asyncio.IncompleteReadError:
                    raise ProtocolError("connection closed inside a chunk") from None
                if crlf != b"\r\n":
                    raise ProtocolError("chunk not followed by CRLF")
                yield data
        elif "content-length" in headers:
            n = int(headers["content-length"])
            try:
                data = await self.reader.readexactly(n)
            except asyncio.IncompleteReadError:
                raise ProtocolError("connection closed before Content-Length bytes") from None
            yield data
        else:
            server_close = True
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                yield data
        self.reusable = keep_alive and not server_close


async def simple_request(port: int, method: str, path: str, body: Any = None,
                         timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection; the body is JSON-encoded when given."""
    async with asyncio.timeout(timeout):
        conn = await Connection.open(port)
        try:
            raw = None if body is None else json.dumps(body).encode()
            hdrs = {"Content-Type": "application/json"} if raw is not None else {}
            await conn.send(method, path, port, hdrs, raw, keep_alive=False)
            status, headers = await conn.read_head()
            data = b"".join([c async for c in conn.body_chunks(headers, keep_alive=False)])
            return status, headers, data
        finally:
            conn.close()


# --------------------------------------------------------------------------------------------------
# Reply validation


class Malformed(Exception):
    """The gateway answered with something that is not a valid OpenAI response."""


ERROR_KEYS = {"message", "type", "param", "code"}


def check_error_body(obj: Any, where: str) -> dict:
    if not isinstance(obj, dict) or set(obj) != {"error"} or not isinstance(obj["error"], dict):
        raise Malformed(f"{where}: not an OpenAI error body: {json.dumps(obj)[:200]}")
    e = obj["error"]
    if set(e) != ERROR_KEYS:
        raise Malformed(f"{where}: error keys {sorted(e)} != {sorted(ERROR_KEYS)}")
    if not isinstance(e["message"], str) or not e["message"] or not isinstance(e["type"], str) or not e["type"]:
        raise Malformed(f"{where}: error message/type must be non-empty strings: {e}")
    if e["param"] is not None and not isinstance(e["param"], str):
        raise Malformed(f"{where}: error param must be a string or null")
    if e["code"] is not None and not isinstance(e["code"], str):
        raise Malformed(f"{where}: error code must be a string or null")
    return e


def check_usage(u: Any, where: str) -> None:
    if not isinstance(u, dict) or set(u) != {"prompt_tokens", "completion_tokens", "total_tokens"}:
        raise Malformed(f"{where}: bad usage {u!r}")
    if not all(isinstance(v, int) and v >= 0 for v in u.values()):
        raise Malformed(f"{where}: usage values must be non-negative integers")
    if u["total_tokens"] != u["prompt_tokens"] + u["completion_tokens"]:
        raise Malformed(f"{where}: total_tokens is not the sum")


FINISH_REASONS = {"stop", "tool_calls", "content_filter"}


def check_completion(obj: Any, model: str) -> tuple[str | None, list[dict], str]:
    """Validates a chat.completion; returns (content, tool_calls, finish_reason)."""
    w = "completion"
    if not isinstance(obj, dict):
        raise Malformed(f"{w}: not an object")
    for k in ("id", "object", "created", "model", "choices", "usage"):
        if k not in obj:
            raise Malformed(f"{w}: missing {k}")
    if obj["object"] != "chat.completion" or not str(obj["id"]).startswith("chatcmpl-"):
        raise Malformed(f"{w}: bad object/id {obj['object']!r} {obj['id']!r}")
    if obj["model"] != model:
        raise Malformed(f"{w}: model {obj['model']!r} is not the requested {model!r}")
    if not isinstance(obj["created"], int):
        raise Malformed(f"{w}: created is not an integer")
    check_usage(obj["usage"], w)
    ch = obj["choices"]
    if not isinstance(ch, list) or len(ch) != 1 or ch[0].get("index") != 0:
        raise Malformed(f"{w}: choices must be one choice with index 0")
    msg, fr = ch[0].get("message"), ch[0].get("finish_reason")
    if fr not in FINISH_REASONS:
        raise Malformed(f"{w}: finish_reason {fr!r}")
    if not isinstance(msg, dict) or msg.get("role") != "assistant" or "content" not in msg:
        raise Malformed(f"{w}: bad message {msg!r}")
    content, calls = msg["content"], msg.get("tool_calls") or []
    if content is not None and not isinstance(content, str):
        raise Malformed(f"{w}: content is neither a string nor null")
    if fr == "tool_calls":
        if not calls:
            raise Malformed(f"{w}: finish_reason tool_calls without tool_calls")
        for c in calls:
            if (not isinstance(c, dict) or not str(c.get("id", "")).startswith("call_") or c.get("type") != "function"
                    or not isinstance(c.get("function"), dict) or not isinstance(c["function"].get("name"), str)
                    or not isinstance(c["function"].get("arguments"), str)):
                raise Malformed(f"{w}: bad tool call {c!r}")
            json.loads(c["function"]["arguments"])
    else:
        if calls:
            raise Malformed(f"{w}: tool_calls with finish_reason {fr}")
        if not isinstance(content, str) or not content:
            raise Malformed(f"{w}: empty content with finish_reason {fr}")
    return content, calls, fr


class StreamChecker:
    """Checks a gateway SSE stream event by event: role chunk first, content/tool-call deltas, one finish
    chunk, an optional usage chunk, `[DONE]` last; or a final `{"error":…}` event."""

    def __init__(self, model: str, include_usage: bool) -> None:
        self.model = model
        self.include_usage = include_usage
        self.buf = b""
        self.events = 0
        self.keepalives = 0
        self.id: str | None = None
        self.saw_role = False
        self.finish: str | None = None
        self.saw_usage = False
        self.done = False
        self.error: dict | None = None
        self.content = ""
        self.calls: dict[int, dict] = {}

    def feed(self, data: bytes) -> None:
        self.buf += data
        while b"\n\n" in self.buf:
            block, self.buf = self.buf.split(b"\n\n", 1)
            self.event(block.decode("utf-8"))

    def event(self, block: str) -> None:
        if self.done or self.error is not None:
            raise Malformed(f"stream: event after {'[DONE]' if self.done else 'the error event'}: {block[:120]!r}")
        if "\r" in block:
            raise Malformed("stream: CR in the gateway's SSE framing")
        lines = block.split("\n")
        if all(line.startswith(":") for line in lines):
            self.keepalives += 1
            return
        if len(lines) != 1 or not lines[0].startswith("data: "):
            raise Malformed(f"stream: unexpected event {block[:160]!r}")
        payload = lines[0][6:]
        self.events += 1
        if payload == "[DONE]":
            if self.finish is None:
                raise Malformed("stream: [DONE] before a finish_reason chunk")
            if self.include_usage and not self.saw_usage:
                raise Malformed("stream: [DONE] without the requested usage chunk")
            self.done = True
            return
        try:
            obj = json.loads(payload)
        except ValueError:
            raise Malformed(f"stream: data is not JSON: {payload[:160]!r}") from None
        if isinstance(obj, dict) and "error" in obj:
            if not self.saw_role:
                raise Malformed("stream: error event before the role chunk")
            self.error = check_error_body(obj, "stream error event")
            return
        self.chunk(obj)

    def chunk(self, obj: Any) -> None:
        w = "stream chunk"
        if not isinstance(obj, dict) or obj.get("object") != "chat.completion.chunk":
            raise Malformed(f"{w}: not a chat.completion.chunk: {str(obj)[:160]}")
        if obj.get("model") != self.model or not isinstance(obj.get("created"), int):
            raise Malformed(f"{w}: bad model/created {obj.get('model')!r}")
        if self.id is None:
            self.id = obj.get("id")
            if not str(self.id).startswith("chatcmpl-"):
                raise Malformed(f"{w}: bad id {self.id!r}")
        elif obj.get("id") != self.id:
            raise Malformed(f"{w}: id changed within the stream")
        choices = obj.get("choices")
        if choices == []:
            if not self.include_usage or self.finish is None or self.saw_usage:
                raise Malformed(f"{w}: unexpected usage chunk")
            check_usage(obj.get("usage"), w)
            self.saw_usage = True
            return
        if "usage" in obj:
            raise Malformed(f"{w}: usage on a content chunk")
        if self.saw_usage:
            raise Malformed(f"{w}: chunk after the usage chunk")
        if not isinstance(choices, list) or len(choices) != 1 or choices[0].get("index") != 0:
            raise Malformed(f"{w}: choices must be one choice with index 0")
        c = choices[0]
        if "finish_reason" not in c or "delta" not in c:
            raise Malformed(f"{w}: choice without delta/finish_reason")
        delta, fr = c["delta"], c["finish_reason"]
        if self.finish is not None:
            raise Malformed(f"{w}: chunk after the finish_reason chunk")
        if not self.saw_role:
            if delta.get("role") != "assistant" or fr is not None:
                raise Malformed(f"{w}: the first chunk is not the role chunk: {delta!r}")
            self.saw_role = True
            if delta.get("content") not in (None, ""):
                self.content += delta["content"]
            return
        if "role" in delta:
            raise Malformed(f"{w}: a second role delta")
        if fr is not None:
            if fr not in FINISH_REASONS or delta != {}:
                raise Malformed(f"{w}: bad finish chunk {c!r}")
            if fr == "tool_calls" and not self.calls:
                raise Malformed(f"{w}: finish_reason tool_calls without tool-call deltas")
            if fr != "tool_calls" and self.calls:
                raise Malformed(f"{w}: tool-call deltas but finish_reason {fr}")
            if fr != "tool_calls" and not self.content:
                raise Malformed(f"{w}: finish_reason {fr} with no content")
            self.finish = fr
            return
        if "content" in delta:
            if not isinstance(delta["content"], str) or delta["content"] == "":
                raise Malformed(f"{w}: empty or non-string content delta")
            self.content += delta["content"]
        if "tool_calls" in delta:
            for tc in delta["tool_calls"]:
                i = tc.get("index")
                fn = tc.get("function") or {}
                if i not in self.calls:
                    if i != len(self.calls) or not str(tc.get("id", "")).startswith("call_") or tc.get("type") != "function" \
                            or not isinstance(fn.get("name"), str):
                        raise Malformed(f"{w}: a new tool call must bring index, id, type and name: {tc!r}")
                    self.calls[i] = {"id": tc["id"], "type": "function",
                                     "function": {"name": fn["name"], "arguments": fn.get("arguments", "")}}
                else:
                    if "id" in tc or "type" in tc or "name" in fn:
                        raise Malformed(f"{w}: tool call {i}'s id/type/name repeated")
                    self.calls[i]["function"]["arguments"] += fn.get("arguments", "")
        if "content" not in delta and "tool_calls" not in delta:
            raise Malformed(f"{w}: empty delta {delta!r}")

    def end(self) -> None:
        if self.buf.strip():
            raise Malformed(f"stream: trailing bytes without a blank line: {self.buf[:120]!r}")
        if not self.done and self.error is None:
            raise Malformed(f"stream: ended without [DONE] or an error event (finish={self.finish})")
        for c in self.calls.values():
            json.loads(c["function"]["arguments"])


# --------------------------------------------------------------------------------------------------
# Sessions

TOOL = {
    "type": "function",
    "function": {
        "name": "soak_lookup",
        "description": "Looks up a soak-test key.",
        "parameters": {"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]},
    },
}
REFUSAL = "I'm sorry, I can't help with that."
WORDS = ["harbour", "lantern", "meadow", "quartz", "saffron", "tundra", "violet", "willow", "zephyr", "cobalt",
         "ember", "fjord", "glacier", "hazel", "indigo", "juniper", "kestrel", "lagoon", "marble", "nectar"]


@dataclass
class Attempt:
    streamed: bool
    status: int | None = None            # HTTP status (200 for a started stream)
    code: str | None = None              # error code (body or stream error event)
    outcome: str = ""                    # ok | http_error | stream_error | aborted | hung | malformed | transport
    latency: float = 0.0
    detail: str = ""


@dataclass
class Turn:
    mid: str                 # message id carried in the new message, e.g. skabcd00017-m003
    kind: str                # text | exact | codeword | tool_call | tool_result
    streamed: bool
    attempts: list[Attempt] = field(default_factory=list)
    ok: bool = False
    content: str | None = None
    finish: str | None = None
    calls: list[dict] = field(default_factory=list)
    prompt: str = ""         # what Copilot should receive as message.text
    placeholder: bool = False  # a tool call with the simulator's placeholder arguments (after a correction)
    history_before: list[dict] = field(default_factory=list)  # client messages before the new one (no system)


@dataclass
class Session:
    tag: str
    system: str
    keying: str              # user | header | none
    tools: bool
    turns: list[Turn] = field(default_factory=list)


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.latencies: list[float] = []
        self.status = collections.Counter()
        self.codes = collections.Counter()
        self.outcomes = collections.Counter()
        self.faults = collections.Counter()
        self.fault_failures = 0
        self.problems: list[str] = []       # malformed replies, wrong replies
        self.hung: list[str] = []
        self.turns_ok = 0
        self.turns_dropped = 0
        self.finish = collections.Counter()
        self.keepalive_comments = 0

    def problem(self, text: str) -> None:
        self.problems.append(text)


class Soak:
    def __init__(self, args: argparse.Namespace, gw_port: int, sim_port: int, rng: random.Random, run_id: str) -> None:
        self.a = args
        self.gw = gw_port
        self.sim = sim_port
        self.rng = rng
        self.run_id = run_id
        self.stats = Stats()
        self.sessions: list[Session] = []
        self.counter = 0
        self.stop_at = 0.0
        self.conns: set[Connection] = set()

    # ---- one request ---------------------------------------------------------------------------

    async def post_chat(self, worker: dict, sess: Session, messages: list[dict], turn: Turn) -> Attempt:
        a = self.a
        model = self.rng.choice(["copilot", "gpt-4o", "soak-model"])
        body: dict[str, Any] = {"model": model, "messages": messages}
        if turn.streamed:
            body["stream"] = True
            include_usage = self.rng.random() < 0.5
            if include_usage:
                body["stream_options"] = {"include_usage": True}
        else:
            include_usage = False
        if sess.tools:
            body["tools"] = [TOOL]
        headers = {"Content-Type": "application/json", "X-Request-Id": f"{turn.mid}-a{len(turn.attempts) + 1}"}
        if sess.keying == "user":
            body["user"] = sess.tag
        elif sess.keying == "header":
            headers["X-Session-Id"] = sess.tag
        raw = json.dumps(body, ensure_ascii=False).encode()
        att = Attempt(streamed=turn.streamed)
        abort_after = None
        if turn.streamed and self.rng.random() < a.abort_rate:
            abort_after = self.rng.randint(1, 4)   # data events to read before hanging up
        keep_alive = worker["keepalive"]
        started = time.monotonic()
        self.stats.requests += 1
        conn: Connection | None = None
        try:
            async with asyncio.timeout(a.timeout):
                conn = worker.pop("conn", None)
                reused = conn is not None
                if conn is None:
                    conn = await Connection.open(self.gw)
                self.conns.add(conn)
                try:
                    await conn.send("POST", "/v1/chat/completions", self.gw, headers, raw, keep_alive)
                    status, rh = await conn.read_head()
                except (ProtocolError, ConnectionError) as e:
                    if not reused:
                        raise
                    # The server closed an idle kept-alive connection: once more on a new one.
                    conn.close()
                    self.conns.discard(conn)
                    conn = await Connection.open(self.gw)
                    self.conns.add(conn)
                    await conn.send("POST", "/v1/chat/completions", self.gw, headers, raw, keep_alive)
                    status, rh = await conn.read_head()
                att.status = status
                ctype = rh.get("content-type", "")
                if status == 200 and turn.streamed:
                    if not ctype.startswith("text/event-stream"):
                        raise Malformed(f"stream answered with Content-Type {ctype!r}")
                    if rh.get("cache-control") != "no-cache":
                        raise Malformed("stream without Cache-Control: no-cache")
                    sc = StreamChecker(model, include_usage)
                    async for piece in conn.body_chunks(rh, keep_alive):
                        sc.feed(piece)
                        if abort_after is not None and sc.events >= abort_after:
                            att.outcome = "aborted"
                            conn.reusable = False
                            break
                    self.stats.keepalive_comments += sc.keepalives
                    if att.outcome == "aborted":
                        return att
                    sc.end()
                    if sc.error is not None:
                        att.outcome, att.code = "stream_error", sc.error["code"]
                        att.detail = sc.error["message"][:200]
                        return att
                    turn.content, turn.finish = sc.content, sc.finish
                    turn.calls = [sc.calls[i] for i in sorted(sc.calls)]
                    att.outcome = "ok"
                    return att
                data = b"".join([c async for c in conn.body_chunks(rh, keep_alive)])
                try:
                    obj = json.loads(data)
                except ValueError:
                    raise Malformed(f"status {status}: body is not JSON: {data[:160]!r}") from None
                if status == 200:
                    if not ctype.startswith("application/json"):
                        raise Malformed(f"completion with Content-Type {ctype!r}")
                    content, calls, fr = check_completion(obj, model)
                    turn.content = content if content is not None else ""
                    turn.finish, turn.calls = fr, calls
                    att.outcome = "ok"
                    return att
                if not 400 <= status <= 599:
                    raise Malformed(f"unexpected status {status}")
                if not ctype.startswith("application/json"):
                    raise Malformed(f"error {status} with Content-Type {ctype!r}")
                e = check_error_body(obj, f"error {status}")
                att.outcome, att.code, att.detail = "http_error", e["code"], e["message"][:200]
                ra = rh.get("retry-after")
                if ra is not None and not ra.isdigit():
                    raise Malformed(f"Retry-After {ra!r} is not whole seconds")
                if ra is not None:
                    att.detail = f"retry-after={ra} " + att.detail
                return att
        except TimeoutError:
            att.outcome = "hung"
            self.stats.hung.append(f"{turn.mid} attempt {len(turn.attempts) + 1} "
                                   f"({'stream' if turn.streamed else 'whole'}) hung for {a.timeout:.0f}s")
            return att
        except Malformed as e:
            att.outcome, att.detail = "malformed", str(e)
            self.stats.problem(f"malformed reply to {turn.mid} ({'stream' if turn.streamed else 'whole'}, "
                               f"status {att.status}): {e}")
            return att
        except (ProtocolError, ConnectionError, OSError, asyncio.IncompleteReadError, UnicodeDecodeError) as e:
            att.outcome, att.detail = "transport", f"{type(e).__name__}: {e}"
            self.stats.problem(f"transport failure on {turn.mid} ({'stream' if turn.streamed else 'whole'}, "
                               f"status {att.status}): {type(e).__name__}: {e}")
            return att
        finally:
            att.latency = time.monotonic() - started
            self.stats.latencies.append(att.latency)
            self.stats.outcomes[att.outcome] += 1
            self.stats.status[att.status if att.status is not None else att.outcome] += 1
            if att.code:
                self.stats.codes[att.code] += 1
            if conn is not None:
                if conn.reusable and att.outcome in ("ok", "http_error", "stream_error"):
                    conn.reusable = False
                    worker["conn"] = conn
                else:
                    conn.close()
                    self.conns.discard(conn)

    # ---- one session ---------------------------------------------------------------------------

    def new_session(self) -> Session:
        self.counter += 1
        tag = f"sk{self.run_id}{self.counter:05d}"
        system = (f"You are the soak-test assistant of session {tag}. Remember: the codeword is cw-{tag}. "
                  f"Answer briefly.")
        s = Session(tag=tag, system=system, keying=self.rng.choice(["user", "header", "none"]),
                    tools=self.rng.random() < self.a.tool_fraction)
        self.sessions.append(s)
        return s

    def next_turn(self, sess: Session, n: int, streamed: bool, pending_calls: list[dict]) -> tuple[Turn, dict]:
        mid = f"{sess.tag}-m{n:03d}"
        if pending_calls:
            call = pending_calls[0]
            result = f"result-for-{mid}"
            t = Turn(mid=mid, kind="tool_result", streamed=streamed)
            t.prompt = f'<tool_result name="{call["function"]["name"]}" id="{call["id"]}">\n{result}\n</tool_result>'
            return t, {"role": "tool", "tool_call_id": call["id"], "content": result}
        r = self.rng.random()
        if sess.tools and r < 0.25:
            kind, text = "tool_call", f'Soak {mid}: please use soak_lookup with {{"key": "{mid}"}}'
        elif r < 0.35:
            kind, text = "exact", f"Soak {mid}: REPLY `{mid}-ok` ONLY"
        elif r < 0.45:
            kind, text = "codeword", f"Soak {mid}: what is the codeword of this conversation?"
        else:
            kind, text = "text", f"Soak {mid} asks about the {self.rng.choice(WORDS)} {self.rng.choice(WORDS)}."
        t = Turn(mid=mid, kind=kind, streamed=streamed, prompt=text)
        return t, {"role": "user", "content": text}

    def check_reply(self, sess: Session, t: Turn, user_text: str) -> None:
        where = f"{t.mid} ({'stream' if t.streamed else 'whole'}, {t.kind})"
        if t.finish == "content_filter":
            if (t.content or "").strip() != REFUSAL:
                self.stats.problem(f"wrong reply to {where}: refusal text {t.content!r}")
            return
        if t.kind == "tool_call":
            args = json.loads(t.calls[0]["function"]["arguments"]) if t.calls else None
            ok = (t.finish == "tool_calls" and len(t.calls) == 1 and t.calls[0]["function"]["name"] == "soak_lookup"
                  and args in ({"key": t.mid}, {"key": "example"}))
            # {"key": "example"} is the simulator's placeholder: it answers the gateway's "GATEWAY CORRECTION"
            # follow-up (sent when a fault spoilt the first call) without the original arguments. The history
            # check then requires that correction turn.
            t.placeholder = ok and args == {"key": "example"}
            if not ok:
                self.stats.problem(f"wrong reply to {where}: expected a soak_lookup call with key {t.mid}, got "
                                   f"finish={t.finish} calls={t.calls} content={str(t.content)[:120]!r}")
            return
        if t.finish != "stop" or t.calls:
            self.stats.problem(f"wrong reply to {where}: finish={t.finish} calls={t.calls}")
            return
        c = t.content or ""
        # The `rewrite` fault inserts " [1]" into text Copilot already streamed; where that lands at the end of
        # what the client has (a reply without spaces), the gateway rightly passes it on as an append.
        if t.kind == "exact":
            expected = f"{t.mid}-ok"
        elif t.kind == "codeword":
            expected = f"The codeword is cw-{sess.tag}."
        elif t.kind == "tool_result":
            expected = f"The soak_lookup tool returned: result-for-{t.mid}"
        else:
            expected = None
        if expected is not None:
            ok = c == expected or (t.streamed and c.replace(" [1]", "", 1) == expected)
        else:
            ok = c.startswith(f'You said: "{user_text}".')
        if not ok:
            self.stats.problem(f"wrong reply to {where}: {c[:200]!r}")

    async def worker(self, wid: int) -> None:
        rng = self.rng
        worker: dict[str, Any] = {"keepalive": wid % 2 == 0}
        try:
            while time.monotonic() < self.stop_at:
                sess = self.new_session()
                history: list[dict] = []     # without the system message
                n_turns = rng.randint(self.a.min_turns, self.a.max_turns)
                streamed = rng.random() < 0.5
                pending_calls: list[dict] = []
                n = 0
                while n < n_turns and time.monotonic() < self.stop_at:
                    n += 1
                    turn, new_msg = self.next_turn(sess, len(sess.turns) + 1, streamed, pending_calls)
                    streamed = not streamed
                    turn.history_before = list(history)
                    sess.turns.append(turn)
                    messages = [{"role": "system", "content": sess.system}] + history + [new_msg]
                    while len(turn.attempts) < self.a.max_attempts:
                        att = await self.post_chat(worker, sess, messages, turn)
                        turn.attempts.append(att)
                        if att.outcome == "ok":
                            turn.ok = True
                            break
                        if att.outcome == "malformed" or att.outcome == "hung":
                            break
                        pause = rng.uniform(0.1, 0.6)
                        m = re.match(r"retry-after=(\d+)", att.detail)
                        if m:
                            pause = min(3.0, float(m.group(1)))
                        await asyncio.sleep(pause)
                        if time.monotonic() > self.stop_at + self.a.timeout:
                            break
                    if turn.ok:
                        self.stats.turns_ok += 1
                        self.stats.finish[turn.finish] += 1
                        self.check_reply(sess, turn, new_msg["content"])
                        # The history grows by the new message and the reply exactly as received.
                        history.append(new_msg)
                        if turn.calls:
                            history.append({"role": "assistant", "content": turn.content or None,
                                            "tool_calls": turn.calls})
                            pending_calls = list(turn.calls)
                        else:
                            history.append({"role": "assistant", "content": turn.content})
                            pending_calls = []
                    else:
                        # A failed turn does not advance the conversation: the next turn asks something else
                        # (a pending tool result is sent again as the next turn).
                        self.stats.turns_dropped += 1
                    if rng.random() < 0.5:
                        await asyncio.sleep(rng.expovariate(1000.0 / self.a.think_ms) if self.a.think_ms > 0 else 0)
                # An unanswered tool call would leave the conversation waiting; that is fine: the session ends.
        finally:
            c = worker.pop("conn", None)
            if c is not None:
                c.close()
                self.conns.discard(c)

    # ---- faults ---------------------------------------------------------------------------------

    def random_fault(self) -> dict:
        rng = self.rng
        kind = rng.choices(
            ["status", "delay", "cut", "malformed", "rewrite", "shrink", "rai", "inbandError", "crlf", "pretty",
             "noTrailingBlankLine", "contentType", "emptyReply", "messy"],
            weights=[30, 8, 8, 5, 5, 5, 4, 6, 4, 4, 3, 3, 5, 3])[0]
        f: dict[str, Any] = {"kind": kind}
        if kind == "status":
            f["status"] = rng.choice([500, 502, 503, 429])
            f["endpoint"] = rng.choice(["create", "chat", "stream", "any"])
            if f["status"] in (429, 503) and rng.random() < 0.6:
                f["retryAfter"] = rng.choice(["1", "2", "0.5"])
            if rng.random() < 0.25:
                f["count"] = 2       # beats the gateway's one retry
        elif kind == "delay":
            f["delayMs"] = rng.choice([200, 500, 1500, 3000])
            f["endpoint"] = rng.choice(["create", "chat", "stream", "any"])
        elif kind == "cut":
            f["afterEvents"] = rng.randint(1, 6)
        elif kind in ("rai", "emptyReply", "messy"):
            f["endpoint"] = rng.choice(["chat", "stream", "any"])
        return f

    async def injector(self) -> None:
        if self.a.fault_rate <= 0:
            return
        while True:
            await asyncio.sleep(self.rng.expovariate(self.a.fault_rate))
            if time.monotonic() >= self.stop_at:
                return
            f = self.random_fault()
            try:
                status, _, body = await simple_request(self.sim, "POST", "/_sim/faults", f, timeout=10)
            except Exception as e:  # noqa: BLE001
                self.stats.fault_failures += 1
                continue
            if status == 201:
                label = f["kind"] + (f"{f['status']}" if "status" in f else "") + (
                    "+RA" if "retryAfter" in f else "") + (f"@{f['endpoint']}" if "endpoint" in f else "")
                self.stats.faults[label] += 1
            else:
                self.stats.fault_failures += 1


# --------------------------------------------------------------------------------------------------
# Sampling


@dataclass
class Sample:
    t: float
    phase: str
    rss_kb: int | None
    fds: int | None


async def sampler(pid: int, t0: float, interval: float, samples: list[Sample], phase: dict) -> None:
    while True:
        samples.append(Sample(time.monotonic() - t0, phase["name"], proc_rss_kb(pid), proc_fds(pid)))
        await asyncio.sleep(interval)


# --------------------------------------------------------------------------------------------------
# History analysis

TAG_RE = re.compile(r"sk[a-z]{4}\d{5}")
MID_RE = re.compile(r"(sk[a-z]{4}\d{5})-m(\d{3})")
SEED_DESCRIPTIONS = {"system prompt", "earlier turns of this conversation"}
CONV_PATH = re.compile(r"^/beta/copilot/conversations/([^/?]+)/(chat|chatOverStream)$")


def transcript_for(history: list[dict]) -> str:
    """The gateway's `Conversation so far:` seed for a client history (see ChatService.transcript)."""
    lines = ["Conversation so far:"]
    for m in history:
        if m["role"] == "assistant":
            body = (m.get("content") or "").strip()
            if m.get("tool_calls"):
                rendered = [f"[called tool {c['function']['name']} with {c['function']['arguments']}]" for c in m["tool_calls"]]
                body = "\n".join(x for x in [body] + rendered if x)
            lines.append(f"Assistant: {body}")
        elif m["role"] == "tool":
            lines.append(f"Tool result: [result of {m['tool_call_id']}] {m['content'].strip()}")
        else:
            lines.append(f"User: {m['content'].strip()}")
    return "\n".join(lines)


async def fetch_json(port: int, path: str, timeout: float = 300) -> Any:
    status, _, body = await simple_request(port, "GET", path, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
    return json.loads(body)


async def analyse_history(soak: Soak) -> dict:
    """Checks, from the simulator's request log and conversation records, that no Copilot conversation mixed
    sessions, that continuing turns carried only the new message and continued the right conversation, and
    that seeded turns carried the client's history."""
    problems: list[str] = []
    t_fetch = time.monotonic()
    log = await fetch_json(soak.sim, "/_sim/requests", timeout=600)
    conv_ids: list[str] = []
    by_conv_tags: dict[str, set[str]] = collections.defaultdict(set)
    chat_requests = 0
    creates = 0
    for r in log:
        path = r.get("path", "")
        if r.get("method") == "POST" and path == "/beta/copilot/conversations":
            creates += 1
            continue
        m = CONV_PATH.match(path)
        if not m:
            continue
        chat_requests += 1
        cid = m.group(1)
        if cid not in by_conv_tags:
            conv_ids.append(cid)
        body = r.get("body")
        texts = []
        if isinstance(body, dict):
            texts.append(str((body.get("message") or {}).get("text", "")))
            for e in body.get("additionalContext") or []:
                texts.append(str(e.get("text", "")))
        else:
            texts.append(str(body))
        for t in texts:
            by_conv_tags[cid].update(TAG_RE.findall(t))

    # Conversation records (committed turns), fetched a few at a time.
    convs: dict[str, dict] = {}
    sem = asyncio.Semaphore(16)

    async def get(cid: str) -> None:
        async with sem:
            try:
                convs[cid] = await fetch_json(soak.sim, f"/_sim/conversations/{cid}", timeout=60)
            except Exception as e:  # noqa: BLE001
                problems.append(f"could not read simulator conversation {cid}: {e}")

    await asyncio.gather(*(get(c) for c in conv_ids))
    fetch_seconds = time.monotonic() - t_fetch

    mixed: list[str] = []
    for cid in conv_ids:
        tags = set(by_conv_tags[cid])
        conv = convs.get(cid)
        if conv:
            for turn in conv.get("turns", []):
                for t in [turn.get("prompt", ""), turn.get("reply", "")] + [e.get("text", "") for e in turn.get("additionalContext", [])]:
                    tags.update(TAG_RE.findall(t))
        if len(tags) > 1:
            mixed.append(f"conversation {cid} received messages of sessions {sorted(tags)}")
        elif not tags and conv and conv.get("turns"):
            problems.append(f"conversation {cid} has turns without any session tag")

    # Where each message went: committed turns by message id, in commit order per conversation.
    committed: dict[str, list[tuple[str, int, dict]]] = collections.defaultdict(list)
    for cid, conv in convs.items():
        for i, turn in enumerate(conv.get("turns", [])):
            ids = {f"{a}-m{b}" for a, b in MID_RE.findall(turn.get("prompt", ""))}
            for mid in ids:
                committed[mid].append((cid, i, turn))
    # Requests per message id, in log order (to explain why a conversation was replaced).
    requested: dict[str, list[str]] = collections.defaultdict(list)
    for r in log:
        m = CONV_PATH.match(r.get("path", ""))
        body = r.get("body")
        if m and isinstance(body, dict):
            for a, b in MID_RE.findall(str((body.get("message") or {}).get("text", ""))):
                requested[f"{a}-m{b}"].append(m.group(1))

    first_turns = continuing = unexplained_restarts = restarts_after_abort = corrections = 0
    not_found = 0
    seeded_checked = 0
    inconsistent: list[str] = []
    for sess in soak.sessions:
        prev: tuple[str, int] | None = None      # (conversation, index) that produced the previous reply
        prev_turn: Turn | None = None
        for t in sess.turns:
            if not t.ok:
                continue
            entries = committed.get(t.mid, [])
            if not entries:
                not_found += 1
                problems.append(f"{t.mid}: answered, but no simulator conversation has a committed turn for it")
                prev, prev_turn = None, t
                continue
            # The answer came from the last committed turn for this message (attempts are sequential;
            # conversation order is creation order, so pick by the request log's order).
            cid, idx, turn = max(entries, key=lambda e: (max((i for i, c in enumerate(requested.get(t.mid, [])) if c == e[0]), default=-1), e[1]))
            ctx = {e.get("description"): e.get("text", "") for e in turn.get("additionalContext", [])}
            seeded = bool(SEED_DESCRIPTIONS & set(ctx))
            if turn.get("prompt", "").strip() != t.prompt.strip():
                inconsistent.append(f"{t.mid}: Copilot received {turn.get('prompt', '')[:160]!r}, expected only the new "
                                    f"message {t.prompt[:160]!r}")
            if idx == 0:
                first_turns += 1
                if not seeded or sess.tag not in ctx.get("system prompt", ""):
                    inconsistent.append(f"{t.mid}: first turn of conversation {cid} without the session's system prompt")
                if t.history_before:
                    seeded_checked += 1
                    expected = transcript_for(t.history_before)
                    got = ctx.get("earlier turns of this conversation")
                    if got != expected:
                        inconsistent.append(f"{t.mid}: the seeded history of conversation {cid} differs from the "
                                            f"client's: got {str(got)[:300]!r}, expected {expected[:300]!r}")
                    explained = (prev is None or (prev_turn is not None and prev_turn.finish == "content_filter")
                                 or len(t.attempts) > 1
                                 or any(c == prev[0] for c in requested.get(t.mid, [])))
                    if (not explained and prev_turn is not None
                            and any(x.outcome == "aborted" for x in prev_turn.attempts)):
                        # The abandoned attempt may have finished inside the gateway, so two conversations
                        # reached the same history: by design neither is continued (README).
                        restarts_after_abort += 1
                        explained = True
                    if not explained:
                        unexplained_restarts += 1
                        pt = prev_turn
                        inconsistent.append(
                            f"{t.mid}: started a new conversation although the previous reply "
                            f"({pt.mid if pt else '-'}, {pt.kind if pt else '-'}, "
                            f"{'stream' if pt and pt.streamed else 'whole'}, attempts "
                            f"{[x.outcome for x in pt.attempts] if pt else '-'}, conversation {prev[0]} turn {prev[1]}) "
                            f"was clean and this turn ({t.kind}, {'stream' if t.streamed else 'whole'}) had no "
                            f"failed attempt; requests for it went to {requested.get(t.mid)}")
            else:
                continuing += 1
                if seeded:
                    inconsistent.append(f"{t.mid}: continuing turn {idx} of {cid} carried the history again "
                                        f"({sorted(SEED_DESCRIPTIONS & set(ctx))})")
                if prev != (cid, idx - 1):
                    inconsistent.append(f"{t.mid}: continued conversation {cid} after turn {idx - 1}, but the "
                                        f"client's previous reply came from {prev}")
                if prev_turn is not None and prev_turn.finish == "content_filter":
                    inconsistent.append(f"{t.mid}: continued conversation {cid} after a refusal")
            # The gateway's own follow-up turns ("GATEWAY CORRECTION: …", when a required form did not come)
            # belong to this turn: the reply the client holds came from the last of them.
            turns_of = convs.get(cid, {}).get("turns", [])
            answer = idx
            while answer + 1 < len(turns_of) and turns_of[answer + 1].get("prompt", "").strip().startswith("GATEWAY CORRECTION:"):
                answer += 1
            corrections += answer - idx
            if t.placeholder and answer == idx:
                inconsistent.append(f"{t.mid}: a tool call with placeholder arguments, but no correction turn in {cid}")
            prev, prev_turn = (cid, answer), t
    return {
        "log_requests": len(log), "chat_requests": chat_requests, "creates": creates,
        "conversations": len(conv_ids), "mixed": mixed, "inconsistent": inconsistent, "problems": problems,
        "first_turns": first_turns, "continuing_turns": continuing, "unexplained_restarts": unexplained_restarts,
        "restarts_after_abort": restarts_after_abort, "corrections": corrections,
        "seeded_checked": seeded_checked, "not_found": not_found, "fetch_seconds": fetch_seconds,
    }


# --------------------------------------------------------------------------------------------------
# Main


async def wait_ready(port: int, path: str, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            status, _, body = await simple_request(port, "GET", path, timeout=5)
            if status < 500:
                return
            last = f"{status}"
        except Exception as e:  # noqa: BLE001
            last = str(e)
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{what} not ready on port {port} after {timeout:.0f}s ({last})")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def window_median(samples: list[Sample], start: float, end: float, attr: str) -> int | None:
    vals = [getattr(s, attr) for s in samples if start <= s.t <= end and getattr(s, attr) is not None]
    return int(statistics.median(vals)) if vals else None


async def run(args: argparse.Namespace, children: Children) -> int:
    binary = find_binary(args.binary)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    run_id = "".join(random.Random(seed ^ 0x5eed).choice(string.ascii_lowercase) for _ in range(4))
    tmp = Path(tempfile.mkdtemp(prefix="copilot-soak-"))
    TEMP_DIRS.append(tmp)
    state = tmp / "state"
    state.mkdir()
    sim_port, gw_port = free_port(), free_port()
    while gw_port == sim_port:
        gw_port = free_port()
    print(f"soak: binary {binary}")
    print(f"soak: seed {seed}, run id {run_id}, {args.sessions} sessions for {args.duration:.0f}s "
          f"(warm-up {args.warmup:.0f}s), {args.fault_rate}/s faults, temp dir {tmp}")

    base_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("COPILOT_", "GATEWAY_", "TENANT_ID", "CLIENT_ID", "LOGIN_BASE_URL", "GRAPH_BASE_URL",
                                     "STATE_DIR", "TOKEN_CACHE", "HOST", "PORT", "LOG_LEVEL"))}
    sim = children.start([str(binary), "simulate", "--host", HOST, "--port", str(sim_port), "--snapshots",
                          str(args.snapshots), "--delay-ms", str(args.delay_ms), "--log-level", "warning",
                          # every history is checked against the whole log and every conversation
                          "--request-log-limit", "0", "--conversation-limit", "0"],
                         base_env, tmp, tmp / "simulator.log")
    gw_env = dict(base_env, GRAPH_BASE_URL=f"http://{HOST}:{sim_port}", COPILOT_ACCESS_TOKEN="soak-token",
                  STATE_DIR=str(state), PORT=str(gw_port), HOST=HOST, LOG_LEVEL="warning",
                  # All sessions share one caller and one account: the limits meant for a bot's traffic
                  # would turn the soak into a queue (--gateway-env puts them back).
                  COPILOT_MAX_CONCURRENT="1000", GATEWAY_MAX_CONCURRENT_PER_KEY="0",
                  # The conversation map grows, legitimately, up to this cap; a cap the soak reaches
                  # within its warm-up makes RSS growth after it mean a leak, not remembered state.
                  COPILOT_MAX_CONVERSATIONS="500")
    for kv in args.gateway_env:
        k, _, v = kv.partition("=")
        gw_env[k] = v
    try:
        await wait_ready(sim_port, "/_sim/faults", sim, "simulator")
        gw = children.start([str(binary), "serve"], gw_env, tmp, tmp / "gateway.log")
        await wait_ready(gw_port, "/healthz", gw, "gateway")
    except RuntimeError as e:
        print(f"soak: set-up failed: {e}; logs in {tmp}", file=sys.stderr)
        args.keep = True
        return 2

    soak = Soak(args, gw_port, sim_port, rng, run_id)
    t0 = time.monotonic()
    samples: list[Sample] = []
    phase = {"name": "start"}
    await asyncio.sleep(0.5)
    start_rss, start_fds = proc_rss_kb(gw.pid), proc_fds(gw.pid)
    sampler_task = asyncio.create_task(sampler(gw.pid, t0, args.sample_interval, samples, phase))
    phase["name"] = "load"
    load_start = time.monotonic() - t0
    soak.stop_at = time.monotonic() + args.duration
    injector = asyncio.create_task(soak.injector())
    workers = [asyncio.create_task(soak.worker(i)) for i in range(args.sessions)]

    async def progress() -> None:
        while True:
            await asyncio.sleep(max(10.0, min(60.0, args.duration / 6)))
            last = samples[-1] if samples else None
            print(f"soak: t={time.monotonic() - t0:5.0f}s requests={soak.stats.requests} turns ok={soak.stats.turns_ok} "
                  f"dropped={soak.stats.turns_dropped} faults={sum(soak.stats.faults.values())} "
                  f"rss={last.rss_kb if last else '-'}kB fds={last.fds if last else '-'} "
                  f"problems={len(soak.stats.problems)} hung={len(soak.stats.hung)}", flush=True)

    async def watchdog() -> None:
        # A gateway that died ends the load at once (the failure is reported below).
        while gw.poll() is None:
            await asyncio.sleep(0.5)
        print(f"soak: the gateway exited with status {gw.returncode}; stopping", flush=True)
        soak.stop_at = time.monotonic()

    prog = asyncio.create_task(progress())
    watch = asyncio.create_task(watchdog())
    await asyncio.gather(*workers)
    load_end = time.monotonic() - t0
    prog.cancel()
    watch.cancel()
    injector.cancel()
    for c in list(soak.conns):
        c.close()
    phase["name"] = "settle"
    await simple_request(sim_port, "DELETE", "/_sim/faults", timeout=10)
    pending_faults = 0
    end_load_rss = proc_rss_kb(gw.pid)
    end_load_fds = proc_fds(gw.pid)
    # Settle: wait until the fds are back (idle upstream connections close after 60 s) or time runs out.
    settle_deadline = time.monotonic() + args.settle
    fds_after = proc_fds(gw.pid)
    while time.monotonic() < settle_deadline:
        fds_after = proc_fds(gw.pid)
        if fds_after is not None and start_fds is not None and fds_after <= start_fds + args.fd_margin:
            break
        await asyncio.sleep(1)
    settle_seconds = args.settle - max(0.0, settle_deadline - time.monotonic())
    rss_after = proc_rss_kb(gw.pid)
    sampler_task.cancel()
    gateway_alive = gw.poll() is None

    history = await analyse_history(soak)
    log_levels: collections.Counter = collections.Counter()
    log_errors: collections.Counter = collections.Counter()
    try:
        for line in (tmp / "gateway.log").read_text(errors="replace").splitlines():
            parts = line.split(" ", 2)
            level = parts[1] if len(parts) > 2 else "?"
            log_levels[level] += 1
            if level in ("error", "critical"):
                # Group by the message: drop the timestamp and ids.
                log_errors[re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", parts[2])[:240]] += 1
    except OSError:
        pass

    # ---- verdict ----------------------------------------------------------------------------
    st = soak.stats
    warm = args.warmup + load_start
    rss_base = window_median(samples, warm, warm + max(10.0, 3 * args.sample_interval), "rss_kb")
    rss_end = window_median(samples, load_end - max(10.0, 3 * args.sample_interval), load_end, "rss_kb")
    peak = max((s.rss_kb for s in samples if s.rss_kb), default=None)
    growth = (100.0 * (rss_end - rss_base) / rss_base) if rss_base and rss_end else float("nan")
    failures: list[str] = []
    if not gateway_alive:
        failures.append(f"the gateway exited during the run (status {gw.returncode})")
    if st.problems:
        failures.append(f"{len(st.problems)} malformed or wrong replies / transport failures")
    if st.hung:
        failures.append(f"{len(st.hung)} requests hung past {args.timeout:.0f}s")
    if history["mixed"]:
        failures.append(f"{len(history['mixed'])} Copilot conversations mixed sessions")
    if history["inconsistent"] or history["problems"]:
        failures.append(f"{len(history['inconsistent']) + len(history['problems'])} history inconsistencies")
    if not (growth <= args.rss_limit):
        failures.append(f"RSS grew {growth:.1f}% after warm-up (limit {args.rss_limit}%)")
    if fds_after is None or start_fds is None or fds_after > start_fds + args.fd_margin:
        failures.append(f"open fds {fds_after} after {settle_seconds:.0f}s settling, start {start_fds} "
                        f"(margin {args.fd_margin})")
    if log_errors and not args.allow_log_errors:
        failures.append(f"{sum(log_errors.values())} error/critical lines in the gateway log")
    if st.turns_ok == 0:
        failures.append("no turn succeeded")
    unexpected = {s: n for s, n in st.status.items() if s not in (200, 429, 502, 503, 504, "hung", "malformed", "transport")}
    if unexpected:
        failures.append(f"unexpected HTTP statuses {unexpected}")

    # ---- summary ------------------------------------------------------------------------------
    def fmt_counter(c: collections.Counter) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))) or "-"

    mb = lambda kb: f"{kb / 1024:.1f} MB" if kb else "-"  # noqa: E731
    rss_series = [s.rss_kb for s in samples if s.rss_kb]
    fd_series = [s.fds for s in samples if s.fds is not None]
    lat = st.latencies
    turns_total = st.turns_ok + st.turns_dropped
    print()
    print("=== soak summary ===")
    print(f"load            {load_end - load_start:.0f}s, {args.sessions} concurrent sessions, {len(soak.sessions)} "
          f"conversations ({sum(1 for s in soak.sessions if s.tools)} with a tool)")
    print(f"requests        {st.requests} ({st.requests / max(1e-9, load_end - load_start):.1f}/s); turns ok "
          f"{st.turns_ok}, dropped after {args.max_attempts} attempts {st.turns_dropped} of {turns_total}")
    print(f"outcomes        {fmt_counter(st.outcomes)}")
    print(f"HTTP status     {fmt_counter(st.status)}")
    print(f"error codes     {fmt_counter(st.codes)}")
    print(f"finish reasons  {fmt_counter(st.finish)}; keep-alive comments {st.keepalive_comments}")
    print(f"latency         p50 {pct(lat, 0.5) * 1000:.0f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms, "
          f"max {max(lat, default=0) * 1000:.0f} ms")
    print(f"faults          {sum(st.faults.values())} injected ({st.fault_failures} not accepted): "
          f"{fmt_counter(_group(st.faults))}")
    print(f"history         {history['conversations']} Copilot conversations, {history['chat_requests']} chat "
          f"requests, {history['creates']} creates; first turns {history['first_turns']} "
          f"(seeded with history checked: {history['seeded_checked']}), continuing turns "
          f"{history['continuing_turns']} (sent only the new message); restarts after an abandoned attempt "
          f"{history['restarts_after_abort']}; gateway correction turns {history['corrections']}; "
          f"mixed {len(history['mixed'])}; "
          f"inconsistent {len(history['inconsistent'])}; log read in {history['fetch_seconds']:.1f}s")
    print(f"RSS             start {mb(start_rss)}, after warm-up {mb(rss_base)}, end of load {mb(rss_end)} "
          f"(growth {growth:+.1f}%, limit {args.rss_limit}%), peak {mb(peak)}, after settling {mb(rss_after)}; "
          f"min/max under load {mb(min(rss_series, default=0))}/{mb(max(rss_series, default=0))}")
    print(f"open fds        start {start_fds}, end of load {end_load_fds}, after {settle_seconds:.0f}s settling "
          f"{fds_after} (margin {args.fd_margin}); max {max(fd_series, default='-')}")
    print(f"series          {len(samples)} samples every {args.sample_interval:g}s; RSS MB: "
          + " ".join(f"{s.rss_kb / 1024:.0f}" for s in samples[:: max(1, len(samples) // 20)] if s.rss_kb)
          + "; fds: " + " ".join(str(s.fds) for s in samples[:: max(1, len(samples) // 20)]))
    print(f"gateway log     {fmt_counter(log_levels)}")
    limit = None if args.verbose else 8
    for title, items in (("malformed/wrong replies", st.problems), ("hung requests", st.hung),
                         ("mixed conversations", history["mixed"]),
                         ("history inconsistencies", history["inconsistent"] + history["problems"]),
                         ("gateway log errors", [f"{n}x {m}" for m, n in log_errors.most_common()])):
        if items:
            print(f"--- {title} ({len(items)}) ---")
            for line in items[:limit]:
                print("  " + line)
            if limit and len(items) > limit:
                print(f"  ... {len(items) - limit} more (--verbose shows all)")
    print(f"logs            {tmp}" + ("" if args.keep or failures else " (removed)"))
    if failures:
        args.keep = True
        print("RESULT: FAIL")
        for f in failures:
            print("  - " + f)
    else:
        print("RESULT: PASS")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "seed": seed, "binary": str(binary), "requests": st.requests, "turns_ok": st.turns_ok,
            "turns_dropped": st.turns_dropped, "outcomes": dict(st.outcomes),
            "status": {str(k): v for k, v in st.status.items()}, "codes": dict(st.codes), "faults": dict(st.faults),
            "latency_p50": pct(lat, 0.5), "latency_p99": pct(lat, 0.99),
            "rss_kb": {"start": start_rss, "after_warmup": rss_base, "end_of_load": rss_end, "peak": peak,
                       "after_settle": rss_after, "growth_percent": growth},
            "fds": {"start": start_fds, "end_of_load": end_load_fds, "after_settle": fds_after},
            "samples": [s.__dict__ for s in samples],
            "history": {k: v for k, v in history.items()},
            "problems": st.problems, "hung": st.hung, "failures": failures,
            "gateway_log_levels": dict(log_levels), "gateway_log_errors": dict(log_errors),
        }, indent=1, default=str))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


def _group(c: collections.Counter) -> collections.Counter:
    """Fault labels without the endpoint, for the summary."""
    out: collections.Counter = collections.Counter()
    for k, v in c.items():
        out[k.split("@")[0]] += v
    return out


def main() -> int:
    args = parse_args(sys.argv[1:])
    children = Children()

    def on_signal(signum, frame):  # noqa: ARG001
        children.stop()
        where = f"; logs in {TEMP_DIRS[-1]}" if TEMP_DIRS else ""
        print(f"\nsoak: interrupted (signal {signum}); simulator and gateway stopped{where}", file=sys.stderr)
        os._exit(130)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return asyncio.run(run(args, children))
    finally:
        children.stop()


if __name__ == "__main__":
    sys.exit(main())
