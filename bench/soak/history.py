"""The history check, after the load: from the simulator's request log and conversation records, that no
Copilot conversation mixed sessions, that continuing turns carried only the new message and continued the
right conversation, and that a new conversation was seeded with exactly the client's history. The counts
are per dialect."""

from __future__ import annotations

import asyncio
import collections
import re
import time

from soak.client import fetch_json
from soak.model import Session, Turn

TAG_RE = re.compile(r"sk[a-z]{4}\d{5}")
MID_RE = re.compile(r"(sk[a-z]{4}\d{5})-m(\d{3})")
SEED_DESCRIPTIONS = {"system prompt", "earlier turns of this conversation"}
CONV_PATH = re.compile(r"^/beta/copilot/conversations/([^/?]+)/(chat|chatOverStream)$")
COUNTS = ("conversations", "first_turns", "continuing_turns", "seeded_checked", "restarts_after_abort", "corrections",
          "inconsistent")


def transcript_for(history: list[dict]) -> str:
    """The gateway's `Conversation so far:` seed for a client history (neutral entries; see Transcript.swift
    and CopilotPrompt.seedingTranscript), the same whatever the dialect."""
    lines = ["Conversation so far:"]
    for m in history:
        if m["role"] == "assistant":
            rendered = [f"[called tool {c['name']} with {c['arguments']}]" for c in m["calls"]]
            lines.append("Assistant: " + "\n".join(x for x in [(m["text"] or "").strip()] + rendered if x))
        elif m["role"] == "tool":
            lines.append(f"Tool result: [result of {m['call_id']}] {m['text'].strip()}")
        else:
            lines.append(f"User: {m['text'].strip()}")
    return "\n".join(lines)


def message_texts(body) -> list[str]:
    """The message and its additionalContext, from a chat request's body as the simulator logged it."""
    if not isinstance(body, dict):
        return [str(body)]
    return [str((body.get("message") or {}).get("text", ""))] + [str(e.get("text", "")) for e in body.get("additionalContext") or []]


class HistoryCheck:
    def __init__(self, soak) -> None:
        self.soak = soak
        self.problems: list[str] = []
        self.mixed: list[str] = []
        self.inconsistent: list[str] = []
        self.log: list = []
        self.conv_ids: list[str] = []
        self.tags: dict[str, set[str]] = collections.defaultdict(set)   # tags each conversation received
        self.convs: dict[str, dict] = {}
        self.committed: dict[str, list[tuple[str, int, dict]]] = collections.defaultdict(list)
        self.requested: dict[str, list[str]] = collections.defaultdict(list)
        self.counts: collections.Counter = collections.Counter()        # (dialect, what) -> n
        self.chat_requests = self.creates = self.not_found = self.unexplained_restarts = 0
        self.dialect_of = {s.tag: s.dialect for s in soak.sessions}

    async def read(self) -> float:
        """The request log and every conversation it names (a few at a time); the seconds it took."""
        started = time.monotonic()
        self.log = await fetch_json(self.soak.sim, "/_sim/requests", timeout=600)
        for r in self.log:
            path = r.get("path", "")
            if r.get("method") == "POST" and path == "/beta/copilot/conversations":
                self.creates += 1
                continue
            m = CONV_PATH.match(path)
            if not m:
                continue
            self.chat_requests += 1
            cid = m.group(1)
            if cid not in self.tags:
                self.conv_ids.append(cid)
            for t in message_texts(r.get("body")):
                self.tags[cid].update(TAG_RE.findall(t))
            if isinstance(r.get("body"), dict):
                for a, b in MID_RE.findall(message_texts(r["body"])[0]):
                    self.requested[f"{a}-m{b}"].append(cid)
        sem = asyncio.Semaphore(16)

        async def get(cid: str) -> None:
            async with sem:
                try:
                    self.convs[cid] = await fetch_json(self.soak.sim, f"/_sim/conversations/{cid}", timeout=60)
                except Exception as e:  # noqa: BLE001
                    self.problems.append(f"could not read simulator conversation {cid}: {e}")

        await asyncio.gather(*(get(c) for c in self.conv_ids))
        return time.monotonic() - started

    def check_isolation(self) -> None:
        """No Copilot conversation received messages of two sessions; each counts for its session's dialect.
        Then the committed turns by message id, in commit order per conversation."""
        for cid in self.conv_ids:
            tags = set(self.tags[cid])
            conv = self.convs.get(cid)
            for turn in (conv or {}).get("turns", []):
                for t in [turn.get("prompt", ""), turn.get("reply", "")] + [e.get("text", "") for e in turn.get("additionalContext", [])]:
                    tags.update(TAG_RE.findall(t))
            if len(tags) > 1:
                self.mixed.append(f"conversation {cid} received messages of sessions {sorted(tags)}")
            elif not tags and conv and conv.get("turns"):
                self.problems.append(f"conversation {cid} has turns without any session tag")
            for dialect in {self.dialect_of.get(t, "?") for t in tags}:
                self.counts[(dialect, "conversations")] += 1
        for cid, conv in self.convs.items():
            for i, turn in enumerate(conv.get("turns", [])):
                for mid in {f"{a}-m{b}" for a, b in MID_RE.findall(turn.get("prompt", ""))}:
                    self.committed[mid].append((cid, i, turn))

    def check_session(self, sess: Session) -> None:
        prev: tuple[str, int] | None = None      # (conversation, index) that produced the previous reply
        prev_turn: Turn | None = None
        for t in sess.turns:
            if not t.ok:
                continue
            entries = self.committed.get(t.mid, [])
            if not entries:
                self.not_found += 1
                self.problems.append(f"{t.mid}: answered, but no simulator conversation has a committed turn for it")
                prev, prev_turn = None, t
                continue
            # The answer came from the last committed turn for this message (attempts are sequential;
            # conversation order is creation order, so pick by the request log's order).
            requested = self.requested.get(t.mid, [])
            cid, idx, turn = max(entries, key=lambda e: (max((i for i, c in enumerate(requested) if c == e[0]), default=-1), e[1]))
            ctx = {e.get("description"): e.get("text", "") for e in turn.get("additionalContext", [])}
            if turn.get("prompt", "").strip() != t.prompt.strip():
                self.inconsistent_in(sess, f"{t.mid}: Copilot received {turn.get('prompt', '')[:160]!r}, expected only the new "
                                           f"message {t.prompt[:160]!r}")
            if idx == 0:
                self.check_first(sess, t, cid, ctx, prev, prev_turn)
            else:
                self.check_continuing(sess, t, cid, idx, ctx, prev, prev_turn)
            # The gateway's own follow-up turns ("GATEWAY CORRECTION: …", when a required form did not come)
            # belong to this turn: the reply the client holds came from the last of them.
            turns_of = self.convs.get(cid, {}).get("turns", [])
            answer = idx
            while answer + 1 < len(turns_of) and turns_of[answer + 1].get("prompt", "").strip().startswith("GATEWAY CORRECTION:"):
                answer += 1
            self.counts[(sess.dialect, "corrections")] += answer - idx
            if t.placeholder and answer == idx:
                self.inconsistent_in(sess, f"{t.mid}: a tool call with placeholder arguments, but no correction turn in {cid}")
            prev, prev_turn = (cid, answer), t

    def check_first(self, sess: Session, t: Turn, cid: str, ctx: dict, prev, prev_turn: Turn | None) -> None:
        """A turn that starts a conversation carries the system prompt and the client's history, and has a
        reason to start one."""
        self.counts[(sess.dialect, "first_turns")] += 1
        if not SEED_DESCRIPTIONS & set(ctx) or sess.tag not in ctx.get("system prompt", ""):
            self.inconsistent_in(sess, f"{t.mid}: first turn of conversation {cid} without the session's system prompt")
        if not t.history_before:
            return
        self.counts[(sess.dialect, "seeded_checked")] += 1
        expected = transcript_for(t.history_before)
        got = ctx.get("earlier turns of this conversation")
        if got != expected:
            self.inconsistent_in(sess, f"{t.mid}: the seeded history of conversation {cid} differs from the "
                                       f"client's: got {str(got)[:300]!r}, expected {expected[:300]!r}")
        requested = self.requested.get(t.mid, [])
        explained = (prev is None or (prev_turn is not None and prev_turn.finish == "content_filter")
                     or len(t.attempts) > 1 or any(c == prev[0] for c in requested))
        if not explained and prev_turn is not None and any(x.outcome == "aborted" for x in prev_turn.attempts):
            # The abandoned attempt may have finished inside the gateway, so two conversations
            # reached the same history: by design neither is continued (README).
            self.counts[(sess.dialect, "restarts_after_abort")] += 1
            explained = True
        if not explained:
            self.unexplained_restarts += 1
            pt = prev_turn
            self.inconsistent_in(
                sess, f"{t.mid}: started a new conversation although the previous reply "
                      f"({pt.mid if pt else '-'}, {pt.kind if pt else '-'}, {'stream' if pt and pt.streamed else 'whole'}, "
                      f"attempts {[x.outcome for x in pt.attempts] if pt else '-'}, conversation {prev[0]} turn {prev[1]}) "
                      f"was clean and this turn ({t.kind}, {'stream' if t.streamed else 'whole'}) had no "
                      f"failed attempt; requests for it went to {requested}")

    def check_continuing(self, sess: Session, t: Turn, cid: str, idx: int, ctx: dict, prev, prev_turn: Turn | None) -> None:
        """A turn that continues a conversation carries no history and continues the one that produced the
        reply the client holds, never one that refused."""
        self.counts[(sess.dialect, "continuing_turns")] += 1
        if SEED_DESCRIPTIONS & set(ctx):
            self.inconsistent_in(sess, f"{t.mid}: continuing turn {idx} of {cid} carried the history again "
                                       f"({sorted(SEED_DESCRIPTIONS & set(ctx))})")
        if prev != (cid, idx - 1):
            self.inconsistent_in(sess, f"{t.mid}: continued conversation {cid} after turn {idx - 1}, but the "
                                       f"client's previous reply came from {prev}")
        if prev_turn is not None and prev_turn.finish == "content_filter":
            self.inconsistent_in(sess, f"{t.mid}: continued conversation {cid} after a refusal")

    def inconsistent_in(self, sess: Session, text: str) -> None:
        self.counts[(sess.dialect, "inconsistent")] += 1
        self.inconsistent.append(f"[{sess.dialect}] {text}")

    def per_dialect(self) -> dict[str, dict[str, int]]:
        return {d: {what: self.counts[(d, what)] for what in COUNTS} for d in self.soak.a.dialects}


async def analyse_history(soak) -> dict:
    check = HistoryCheck(soak)
    fetch_seconds = await check.read()
    check.check_isolation()
    for sess in soak.sessions:
        check.check_session(sess)
    totals = {what: sum(check.counts[(d, what)] for d in soak.a.dialects) for what in COUNTS}
    return dict(totals, log_requests=len(check.log), chat_requests=check.chat_requests, creates=check.creates,
                conversations=len(check.conv_ids), mixed=check.mixed, inconsistent=check.inconsistent,
                problems=check.problems, unexplained_restarts=check.unexplained_restarts, not_found=check.not_found,
                fetch_seconds=fetch_seconds, per_dialect=check.per_dialect())
