"""The soak's record of what it did: sessions (one simulated client conversation each), their turns and
every attempt at them, and the counts, per dialect, that the summary reports."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field


@dataclass
class Attempt:
    streamed: bool
    status: int | None = None            # HTTP status (200 for a started stream)
    code: str | None = None              # error code (body or stream error event); Anthropic: the error type
    outcome: str = ""                    # ok | http_error | stream_error | aborted | previous_gone | hung | malformed | transport
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
    finish: str | None = None            # stop | tool_calls | content_filter, whatever the dialect's word
    calls: list[dict] = field(default_factory=list)   # {"id", "name", "arguments"}
    prompt: str = ""         # what Copilot should receive as message.text
    placeholder: bool = False  # a tool call with the simulator's placeholder arguments (after a correction)
    history_before: list[dict] = field(default_factory=list)  # the conversation before the new message (neutral entries)
    reply: object = None     # the Reply of the attempt that succeeded


@dataclass
class Session:
    """One client conversation: its dialect, how it names itself, and (Responses) how it continues."""
    tag: str
    system: str
    dialect: str
    keying: str
    tools: bool
    turns: list[Turn] = field(default_factory=list)
    state: dict = field(default_factory=dict)   # Responses: mode (previous | input), previous_id, previous_at


class DialectStats:
    def __init__(self) -> None:
        self.requests = 0
        self.latencies: list[float] = []
        self.status = collections.Counter()
        self.codes = collections.Counter()
        self.outcomes = collections.Counter()
        self.finish = collections.Counter()     # the dialect's own word (finish_reason, status, stop_reason)
        self.turns_ok = 0
        self.turns_dropped = 0
        self.keepalives = 0
        self.problems = 0
        self.extra = collections.Counter()      # dialect-specific counts (Responses: chained turns, GET/DELETE checks)


class Stats:
    def __init__(self, dialects: list[str]) -> None:
        self.by: dict[str, DialectStats] = {d: DialectStats() for d in dialects}
        self.faults = collections.Counter()
        self.fault_failures = 0
        self.problems: list[str] = []       # malformed replies, wrong replies, transport failures
        self.hung: list[str] = []

    def problem(self, dialect: str, text: str) -> None:
        self.by[dialect].problems += 1
        self.problems.append(f"[{dialect}] {text}")

    def total(self, attr: str) -> int:
        return sum(getattr(s, attr) for s in self.by.values())

    def merged(self, attr: str) -> collections.Counter:
        out: collections.Counter = collections.Counter()
        for s in self.by.values():
            out.update(getattr(s, attr))
        return out

    @property
    def latencies(self) -> list[float]:
        return [x for s in self.by.values() for x in s.latencies]
