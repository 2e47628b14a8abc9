"""One attempt at a turn: the request in the session's dialect on the worker's connection (kept alive or
not), the answer read and checked in that dialect, and the attempt's counts."""

from __future__ import annotations

import asyncio
import json
import time

from soak.client import Connection, ProtocolError
from soak.dialects import DIALECTS
from soak.dialects.anthropic import error_type
from soak.dialects.common import Malformed
from soak.model import Attempt, Session, Turn

PREVIOUS_GONE = "400 previous gone"   # the status key of a Responses turn whose previous response was pruned
PREVIOUS_MIN_AGE = 2.0                # ... which may happen only to a response this old (seconds)


async def post_turn(soak, worker: dict, sess: Session, turn: Turn, req) -> Attempt:
    """Sends `req` for `turn` and reads the answer; never raises for what the gateway does."""
    a, dialect = soak.a, DIALECTS[sess.dialect]
    stats = soak.stats.by[sess.dialect]
    headers = dict({"Content-Type": "application/json", "X-Request-Id": f"{turn.mid}-a{len(turn.attempts) + 1}"}, **req.headers)
    raw = json.dumps(req.body, ensure_ascii=False).encode()
    att = Attempt(streamed=turn.streamed)
    abort_after = soak.rng.randint(1, 4) if turn.streamed and soak.rng.random() < a.abort_rate else None
    where = f"{turn.mid} ({'stream' if turn.streamed else 'whole'}, status {{}})"
    started = time.monotonic()
    stats.requests += 1
    try:
        async with asyncio.timeout(a.timeout):
            conn, status, rh = await send(soak, worker, req.path, headers, raw)
            att.status = status
            if status == 200 and turn.streamed:
                await read_stream(soak, conn, rh, dialect, req, turn, att, abort_after, worker["keepalive"])
            else:
                data = b"".join([c async for c in conn.body_chunks(rh, worker["keepalive"])])
                read_whole(dialect, req, sess, turn, att, status, rh, data)
    except TimeoutError:
        att.outcome = "hung"
        soak.stats.hung.append(f"[{sess.dialect}] {turn.mid} attempt {len(turn.attempts) + 1} "
                               f"({'stream' if turn.streamed else 'whole'}) hung for {a.timeout:.0f}s")
    except Malformed as e:
        att.outcome, att.detail = "malformed", str(e)
        soak.stats.problem(sess.dialect, f"malformed reply to {where.format(att.status)}: {e}")
    except (ProtocolError, ConnectionError, OSError, asyncio.IncompleteReadError, UnicodeDecodeError) as e:
        att.outcome, att.detail = "transport", f"{type(e).__name__}: {e}"
        soak.stats.problem(sess.dialect, f"transport failure on {where.format(att.status)}: {type(e).__name__}: {e}")
    finally:
        att.latency = time.monotonic() - started
        count(stats, att)
        keep_or_close(soak, worker, att)
    return att


async def send(soak, worker: dict, path: str, headers: dict, raw: bytes) -> tuple[Connection, int, dict]:
    """The request on the worker's kept connection, or a new one; once more on a new one when the server
    had closed a kept connection meanwhile. The connection in use is the worker's "current" one."""
    conn = worker.pop("conn", None)
    reused = conn is not None
    if conn is None:
        conn = await Connection.open(soak.gw)
    worker["current"] = conn
    soak.conns.add(conn)
    try:
        await conn.send("POST", path, soak.gw, headers, raw, worker["keepalive"])
        status, rh = await conn.read_head()
    except (ProtocolError, ConnectionError):
        if not reused:
            raise
        conn.close()
        soak.conns.discard(conn)
        conn = await Connection.open(soak.gw)
        worker["current"] = conn
        soak.conns.add(conn)
        await conn.send("POST", path, soak.gw, headers, raw, worker["keepalive"])
        status, rh = await conn.read_head()
    return conn, status, rh


async def read_stream(soak, conn, rh, dialect, req, turn: Turn, att: Attempt, abort_after: int | None, keep_alive: bool) -> None:
    ctype = rh.get("content-type", "")
    if not ctype.startswith("text/event-stream"):
        raise Malformed(f"stream answered with Content-Type {ctype!r}")
    if rh.get("cache-control") != "no-cache":
        raise Malformed("stream without Cache-Control: no-cache")
    checker = dialect.stream(req)
    try:
        async for piece in conn.body_chunks(rh, keep_alive):
            checker.feed(piece)
            if abort_after is not None and checker.events >= abort_after:
                att.outcome = "aborted"
                conn.reusable = False
                return
    finally:
        soak.stats.by[dialect.name].keepalives += checker.keepalives
    checker.end()
    if checker.error is not None:
        att.outcome, att.code, att.detail = "stream_error", checker.error.code, checker.error.message[:200]
        return
    accept(turn, checker.reply())
    att.outcome = "ok"


def read_whole(dialect, req, sess: Session, turn: Turn, att: Attempt, status: int, rh: dict, data: bytes) -> None:
    ctype = rh.get("content-type", "")
    try:
        obj = json.loads(data)
    except ValueError:
        raise Malformed(f"status {status}: body is not JSON: {data[:160]!r}") from None
    if not ctype.startswith("application/json"):
        raise Malformed(f"{'answer' if status == 200 else 'error'} {status} with Content-Type {ctype!r}")
    if status == 200:
        accept(turn, dialect.whole(obj, req))
        att.outcome = "ok"
        return
    if not 400 <= status <= 599:
        raise Malformed(f"unexpected status {status}")
    e = dialect.error(obj, f"error {status}")
    att.outcome, att.code, att.detail = "http_error", e.code, e.message[:200]
    if dialect.name == "anthropic":
        check_anthropic_error(status, e, rh)
    ra = rh.get("retry-after")
    if ra is not None and not ra.isdigit():
        raise Malformed(f"Retry-After {ra!r} is not whole seconds")
    if ra is not None:
        att.detail = f"retry-after={ra} " + att.detail
    if status == 400 and e.code == "previous_response_not_found" and "previous_response_id" in req.body:
        age = time.monotonic() - sess.state["previous_at"]
        if age < PREVIOUS_MIN_AGE:
            raise Malformed(f"previous response {req.body['previous_response_id']} not found {age:.1f}s after it came")
        att.outcome = "previous_gone"


def check_anthropic_error(status: int, e, rh: dict) -> None:
    if e.code != error_type(status):
        raise Malformed(f"Anthropic error {status} has type {e.code!r}, not {error_type(status)!r}")
    if not rh.get("request-id"):
        raise Malformed(f"Anthropic error {status} without a request-id header")


def accept(turn: Turn, reply) -> None:
    turn.reply = reply
    turn.content, turn.finish, turn.calls = reply.text, reply.finish, reply.calls


def count(stats, att: Attempt) -> None:
    stats.latencies.append(att.latency)
    stats.outcomes[att.outcome] += 1
    key = PREVIOUS_GONE if att.outcome == "previous_gone" else (att.status if att.status is not None else att.outcome)
    stats.status[key] += 1
    if att.code:
        stats.codes[att.code] += 1


def keep_or_close(soak, worker: dict, att: Attempt) -> None:
    """The connection goes back to the worker when its answer ended cleanly and it may be reused."""
    conn = worker.pop("current", None)
    if conn is None:
        return
    if conn.reusable and att.outcome in ("ok", "http_error", "stream_error", "previous_gone"):
        conn.reusable = False
        worker["conn"] = conn
    else:
        conn.close()
        soak.conns.discard(conn)
