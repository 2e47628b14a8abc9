"""What the simulated clients do: sessions of each dialect, one after another on each worker, with
conversations of several turns (whole and streamed in turn), tool calls and their results, retries of a
failed turn, and (Responses) reading and deleting a kept response; and what every reply must say."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from typing import Any

from soak.attempts import post_turn
from soak.client import Connection, simple_request
from soak.dialects import DIALECTS
from soak.model import Session, Stats, Turn

REFUSAL = "I'm sorry, I can't help with that."
WORDS = ["harbour", "lantern", "meadow", "quartz", "saffron", "tundra", "violet", "willow", "zephyr", "cobalt",
         "ember", "fjord", "glacier", "hazel", "indigo", "juniper", "kestrel", "lagoon", "marble", "nectar"]


class Soak:
    def __init__(self, args: argparse.Namespace, gw_port: int, sim_port: int, rng: random.Random, run_id: str) -> None:
        self.a = args
        self.gw = gw_port
        self.sim = sim_port
        self.rng = rng
        self.run_id = run_id
        self.stats = Stats(args.dialects)
        self.sessions: list[Session] = []
        self.counter = 0
        self.stop_at = 0.0
        self.conns: set[Connection] = set()

    # ---- sessions and turns ----------------------------------------------------------------------

    def new_session(self, dialect: str) -> Session:
        self.counter += 1
        tag = f"sk{self.run_id}{self.counter:05d}"
        system = (f"You are the soak-test assistant of session {tag}. Remember: the codeword is cw-{tag}. "
                  f"Answer briefly.")
        s = Session(tag=tag, system=system, dialect=dialect, keying=self.rng.choice(DIALECTS[dialect].keyings),
                    tools=self.rng.random() < self.a.tool_fraction)
        if dialect == "responses":
            # Half the conversations chain their turns with previous_response_id, half resend the whole input.
            s.state["mode"] = "previous" if self.rng.random() < 0.5 else "input"
        self.sessions.append(s)
        return s

    def next_turn(self, sess: Session, n: int, streamed: bool, pending_calls: list[dict]) -> tuple[Turn, dict]:
        """The next turn and its new message (a neutral entry): a pending tool call's result, or a question."""
        mid = f"{sess.tag}-m{n:03d}"
        if pending_calls:
            call = pending_calls[0]
            result = f"result-for-{mid}"
            t = Turn(mid=mid, kind="tool_result", streamed=streamed)
            t.prompt = f'<tool_result name="{call["name"]}" id="{call["id"]}">\n{result}\n</tool_result>'
            return t, {"role": "tool", "call_id": call["id"], "name": call["name"], "text": result}
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
        return t, {"role": "user", "text": text}

    def check_reply(self, sess: Session, t: Turn, user_text: str) -> None:
        """The simulator is deterministic: each kind of message has its one right answer."""
        where = f"{t.mid} ({'stream' if t.streamed else 'whole'}, {t.kind})"
        if t.finish == "content_filter":
            if (t.content or "").strip() != REFUSAL:
                self.stats.problem(sess.dialect, f"wrong reply to {where}: refusal text {t.content!r}")
            return
        if t.kind == "tool_call":
            args = json.loads(t.calls[0]["arguments"]) if t.calls else None
            ok = (t.finish == "tool_calls" and len(t.calls) == 1 and t.calls[0]["name"] == "soak_lookup"
                  and args in ({"key": t.mid}, {"key": "example"}))
            # {"key": "example"} is the simulator's placeholder: it answers the gateway's "GATEWAY CORRECTION"
            # follow-up (sent when a fault spoilt the first call) without the original arguments. The history
            # check then requires that correction turn.
            t.placeholder = ok and args == {"key": "example"}
            if not ok:
                self.stats.problem(sess.dialect, f"wrong reply to {where}: expected a soak_lookup call with key {t.mid}, "
                                   f"got finish={t.finish} calls={t.calls} content={str(t.content)[:120]!r}")
            return
        if t.finish != "stop" or t.calls:
            self.stats.problem(sess.dialect, f"wrong reply to {where}: finish={t.finish} calls={t.calls}")
            return
        c = t.content or ""
        # The `rewrite` fault inserts " [1]" into text Copilot already streamed; where that lands at the end of
        # what the client has (a reply without spaces), the gateway rightly passes it on as an append.
        expected = {"exact": f"{t.mid}-ok", "codeword": f"The codeword is cw-{sess.tag}.",
                    "tool_result": f"The soak_lookup tool returned: result-for-{t.mid}"}.get(t.kind)
        if expected is not None:
            ok = c == expected or (t.streamed and c.replace(" [1]", "", 1) == expected)
        else:
            ok = c.startswith(f'You said: "{user_text}".')
        if not ok:
            self.stats.problem(sess.dialect, f"wrong reply to {where}: {c[:200]!r}")

    # ---- the workers -----------------------------------------------------------------------------

    async def worker(self, wid: int) -> None:
        """One simulated client: conversations one after another, each in the next of the dialects."""
        worker: dict[str, Any] = {"keepalive": wid % 2 == 0}
        k = 0
        try:
            while time.monotonic() < self.stop_at:
                sess = self.new_session(self.a.dialects[(wid + k) % len(self.a.dialects)])
                k += 1
                await self.converse(worker, sess)
        finally:
            for key in ("conn", "current"):
                c = worker.pop(key, None)
                if c is not None:
                    c.close()
                    self.conns.discard(c)

    async def converse(self, worker: dict, sess: Session) -> None:
        """A conversation of --min-turns to --max-turns turns; a failed turn does not advance it."""
        rng, stats = self.rng, self.stats.by[sess.dialect]
        history: list[dict] = []     # neutral entries, without the system prompt
        n_turns = rng.randint(self.a.min_turns, self.a.max_turns)
        streamed = rng.random() < 0.5
        pending_calls: list[dict] = []
        n = 0
        while n < n_turns and time.monotonic() < self.stop_at:
            n += 1
            turn, new = self.next_turn(sess, len(sess.turns) + 1, streamed, pending_calls)
            streamed = not streamed
            turn.history_before = list(history)
            sess.turns.append(turn)
            await self.play(worker, sess, turn, history, new)
            if turn.ok:
                stats.turns_ok += 1
                stats.finish[turn.reply.native] += 1
                self.check_reply(sess, turn, new.get("text", ""))
                # The history grows by the new message and the reply exactly as received.
                history += [new, {"role": "assistant", "text": turn.content, "calls": turn.calls, "raw": turn.reply.raw}]
                pending_calls = list(turn.calls)
            else:
                # The next turn asks something else (a pending tool result is sent again as the next turn).
                stats.turns_dropped += 1
            if rng.random() < 0.5:
                await asyncio.sleep(rng.expovariate(1000.0 / self.a.think_ms) if self.a.think_ms > 0 else 0)
        # An unanswered tool call would leave the conversation waiting; that is fine: the session ends.
        if sess.dialect == "responses" and time.monotonic() < self.stop_at:
            await self.check_kept(sess)

    async def play(self, worker: dict, sess: Session, turn: Turn, history: list[dict], new: dict) -> None:
        """Attempts at `turn` until one succeeds; a failed attempt is retried unchanged (after its
        Retry-After, if any), up to --max-attempts."""
        dialect, stats = DIALECTS[sess.dialect], self.stats.by[sess.dialect]
        while len(turn.attempts) < self.a.max_attempts:
            req = dialect.request(sess, history, new, turn.streamed, self.rng)
            att = await post_turn(self, worker, sess, turn, req)
            turn.attempts.append(att)
            if att.outcome == "ok":
                turn.ok = True
                if sess.dialect == "responses":
                    self.responded(sess, turn, req)
                return
            if att.outcome in ("malformed", "hung"):
                return
            if att.outcome == "previous_gone":
                # Pruned (the store keeps COPILOT_MAX_CONVERSATIONS responses): resend the whole conversation.
                sess.state["mode"] = "input"
                stats.extra["previous response pruned: whole input resent"] += 1
                continue
            pause = self.rng.uniform(0.1, 0.6)
            m = re.match(r"retry-after=(\d+)", att.detail)
            if m:
                pause = min(3.0, float(m.group(1)))
            await asyncio.sleep(pause)
            if time.monotonic() > self.stop_at + self.a.timeout:
                return

    def responded(self, sess: Session, turn: Turn, req) -> None:
        stats = self.stats.by["responses"]
        stats.extra["turns continued by previous_response_id" if "previous_response_id" in req.body else
                    "turns with the whole input"] += 1
        sess.state.update(previous_id=turn.reply.response_id, previous_at=time.monotonic(),
                          kept=turn.reply if req.body.get("store") is not False else None)

    async def check_kept(self, sess: Session) -> None:
        """Now and then, at a conversation's end: GET /v1/responses/{id} gives the last response as it was
        answered, and (half of these) DELETE removes it, after which GET is a 404 in OpenAI's shape."""
        kept = sess.state.get("kept")
        if kept is None or self.rng.random() >= 0.3:
            return
        stats, path = self.stats.by["responses"], f"/v1/responses/{kept.response_id}"
        try:
            status, _, body = await simple_request(self.gw, "GET", path, timeout=self.a.timeout)
            if status != 200 or json.loads(body) != kept.whole:
                raise ValueError(f"GET answered {status}: {body[:300]!r}, not the response as it was answered")
            stats.extra["kept responses read back (GET)"] += 1
            if self.rng.random() < 0.5:
                status, _, body = await simple_request(self.gw, "DELETE", path, timeout=self.a.timeout)
                if status != 200 or json.loads(body) != {"id": kept.response_id, "object": "response.deleted", "deleted": True}:
                    raise ValueError(f"DELETE answered {status}: {body[:300]!r}")
                status, _, body = await simple_request(self.gw, "GET", path, timeout=self.a.timeout)
                error = json.loads(body).get("error") if status == 404 else None
                if not isinstance(error, dict) or error.get("code") != "response_not_found":
                    raise ValueError(f"GET after DELETE answered {status}: {body[:300]!r}")
                stats.extra["kept responses deleted (DELETE, then GET 404)"] += 1
        except (ValueError, AttributeError, TimeoutError, OSError) as e:
            self.stats.problem("responses", f"kept response {kept.response_id} of {sess.tag}: {e}")
