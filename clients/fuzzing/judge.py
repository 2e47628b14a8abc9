"""What a fuzz case's outcome says about the gateway (`judge`), the /health probe that runs beside the
cases, and the tally and summary of a run."""

import collections
import dataclasses
import json
import re
import subprocess
import sys

from fuzzing.case import CASE_TIMEOUT, KINDS, Case
from fuzzing.errors import anthropic_error_problems, json_error_problems, openai_error_problems
from fuzzing.send import Outcome

HEALTH_LIMIT = 0.100
# On two cores shared by the gateway, eight fuzz workers and the wire tap, the scheduler alone now and then
# holds one probe past the limit (seen: 1 or 2 of ~180, up to 141 ms, with or without the tap); a gateway
# whose event loop is blocked fails many, or one far beyond it. So: at most 2 % over the limit, none over this.
HEALTH_CEILING = 0.250
HEALTH_SLOW_SHARE = 0.02
HEALTH_INTERVAL = 0.050
SHAPES = {"openai": openai_error_problems, "anthropic": anthropic_error_problems}


def shape_problems(case: Case, outcome: Outcome) -> list[str]:
    """What is wrong with an error answer: the body of the case's shape, with a JSON content type."""
    return json_error_problems(outcome.headers, outcome.body, SHAPES[case.shape])


def code_problems(case: Case, status: int, error: dict) -> list[str]:
    """What is wrong with a well-shaped error's details: OpenAI's `param` and `code`, Anthropic's `type`."""
    problems = []
    if case.shape == "openai":
        if case.param is not None and error["param"] != case.param:
            problems.append(f"error.param {error['param']!r}, expected {case.param!r}")
        if case.param_prefix is not None and not str(error["param"]).startswith(case.param_prefix):
            problems.append(f"error.param {error['param']!r}, expected {case.param_prefix}...")
    field = "code" if case.shape == "openai" else "type"
    code = case.code.get(status) if isinstance(case.code, dict) else case.code
    if code is not None and status in (case.expect if isinstance(case.expect, frozenset) else ()) and error[field] != code:
        problems.append(f"error.{field} {error[field]!r}, expected {code!r}")
    return problems


def judge(case: Case, outcome: Outcome) -> list[str]:
    """What is wrong with the gateway's handling of `case` (empty: nothing)."""
    problems = []
    if outcome.state == "stalled":
        return [f"stalled {CASE_TIMEOUT} s: {outcome.note}"]
    if outcome.state == "garbled":
        return [f"unreadable answer: {outcome.note}"]
    if outcome.state in ("closed", "reset"):
        if case.silent_ok:
            return []
        return [f"{'closed' if outcome.state == 'closed' else 'reset'} the connection without an answer {outcome.note}".strip()]
    status = outcome.status
    if status >= 500:
        problems.append(f"answered {status} (5xx)")
    if case.expect == "4xx" and not 400 <= status < 500:
        problems.append(f"answered {status}, expected a 4xx")
    elif isinstance(case.expect, frozenset) and status not in case.expect:
        problems.append(f"answered {status}, expected {'/'.join(map(str, sorted(case.expect)))}")
    if status >= 400 and not case.head:
        shape = shape_problems(case, outcome)
        problems += [f"error body not {case.shape}'s: {p}" for p in shape]
        if not shape:
            problems += code_problems(case, status, json.loads(outcome.body)["error"])
    if case.max_seconds is not None and outcome.seconds > case.max_seconds:
        problems.append(f"answered after {outcome.seconds:.2f} s (limit {case.max_seconds} s)")
    return problems


# Runs in its own process, so the test's threads cannot delay it (no shared GIL): GET /health on a new
# connection every HEALTH_INTERVAL s until its stdin closes; prints [[wall time, seconds, status, error], ...].
PROBE = r"""
import http.client, json, select, sys, time
port, interval = int(sys.argv[1]), float(sys.argv[2])
samples = []
while not select.select([sys.stdin], [], [], interval)[0]:
    started = time.perf_counter()
    status = error = None
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
        status = response.status
        connection.close()
    except Exception as exc:
        error = repr(exc)
    samples.append([time.time(), time.perf_counter() - started, status, error])
json.dump(samples, sys.stdout)
"""


class HealthProbe:
    def __init__(self, port: int):
        self.process = subprocess.Popen([sys.executable, "-c", PROBE, str(port), str(HEALTH_INTERVAL)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def stop(self) -> list:
        try:
            output, _ = self.process.communicate(input="stop\n", timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return json.loads(output or "[]")


def failure_group(case: Case, problems: list[str]) -> tuple[str, str, str]:
    """(kind, variant, what went wrong): the variant says whether the request carried `anthropic-version`."""
    versioned = b"\nanthropic-version:" in case.head_bytes().lower()
    summary = "; ".join(sorted({re.sub(r"[\d.]+ s\b|\d+ bytes", "#", p) for p in problems}))
    return case.kind, case.sub + (" [anthropic-version]" if versioned else ""), summary


def describe_request(case: Case, limit: int = 480) -> str:
    """The request's bytes, shortened: the whole head where it is short, and the start of the body."""
    data = case.payload()
    if len(data) <= limit:
        return repr(data)
    split = data.find(b"\r\n\r\n") + 4
    head = data[:split] if 0 < split <= limit // 2 else data[: limit // 2]
    rest = data[len(head):]
    return f"{head + rest[: limit - len(head)]!r}... ({len(data)} bytes)"


def describe_outcome(outcome: Outcome) -> str:
    if outcome.state != "answered":
        return f"{outcome.state} after {outcome.seconds:.2f} s {outcome.note}".strip() + (f" partial={outcome.body[:160]!r}" if outcome.body else "")
    return f"{outcome.status} after {outcome.seconds:.3f} s, body {outcome.body[:200]!r}" + (f" ({outcome.note})" if outcome.note else "")


class Health:
    """The /health probe's samples: of the probes after the first (which warms up), at most HEALTH_SLOW_SHARE at or
    over HEALTH_LIMIT and none at or over HEALTH_CEILING; all 200."""

    def __init__(self, samples: list):
        self.samples = samples
        self.times = sorted(s[1] for s in samples[1:])
        self.errors = [s for s in samples if s[2] != 200]
        self.slow = sorted((s for s in samples[1:] if s[1] >= HEALTH_LIMIT), key=lambda s: -s[1])

    @property
    def too_slow(self) -> bool:
        return len(self.slow) > HEALTH_SLOW_SHARE * len(self.times) or any(s[1] >= HEALTH_CEILING for s in self.slow)

    def line(self) -> str | None:
        if not self.times:
            return None
        ordered = self.times
        return (f"  /health: {len(self.samples)} probes, p50 {ordered[len(ordered) // 2] * 1000:.1f} ms, "
                f"p99 {ordered[int(len(ordered) * 0.99)] * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms, "
                f"{len(self.slow)} at or over {HEALTH_LIMIT * 1000:.0f} ms, {len(self.errors)} not 200")


@dataclasses.dataclass
class Tally:
    """The judged outcomes of a run: per kind, per case variant, the silent closes, the failures grouped by what went wrong."""

    per_kind: dict = dataclasses.field(default_factory=lambda: collections.defaultdict(collections.Counter))
    statuses: dict = dataclasses.field(default_factory=lambda: collections.defaultdict(collections.Counter))
    silent: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    failures: dict = dataclasses.field(default_factory=lambda: collections.defaultdict(list))
    seconds: dict = dataclasses.field(default_factory=lambda: collections.defaultdict(list))
    not_run: int = 0
    report: list = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, results) -> "Tally":
        tally = cls()
        for case, outcome in results:
            tally.add(case, outcome)
        return tally

    @property
    def failed_requests(self) -> int:
        return sum(len(v) for v in self.failures.values())

    def add(self, case: Case, outcome: Outcome | None) -> None:
        if outcome is None:
            self.not_run += 1
            return
        problems = judge(case, outcome)
        self.per_kind[case.kind]["cases"] += 1
        self.per_kind[case.kind]["failed"] += bool(problems)
        self.statuses[(case.kind, case.sub)][outcome.status if outcome.state == "answered" else outcome.state] += 1
        self.seconds[case.kind].append(outcome.seconds)
        if outcome.state in ("closed", "reset"):
            self.silent[(case.kind, case.sub, outcome.state)] += 1
        if problems:
            self.failures[failure_group(case, problems)].append((case, outcome, problems))
        self.report.append({
            "index": case.index, "kind": case.kind, "sub": case.sub, "shape": case.shape, "expect": sorted(case.expect) if isinstance(case.expect, frozenset) else case.expect,
            "request": case.payload()[:600].decode("latin-1") if not callable(case.data) else f"({len(case.payload())} bytes)",
            "state": outcome.state, "status": outcome.status, "seconds": round(outcome.seconds, 4),
            "body": outcome.body[:600].decode("latin-1"), "note": outcome.note, "problems": problems,
        })

    def summary(self, first_line: str, health: Health) -> tuple[str, str]:
        """The whole summary, and its headline (the per-kind lines and the failures)."""
        lines = [first_line]
        for kind, description in KINDS.items():
            times = sorted(self.seconds[kind]) or [0.0]
            lines.append(f"  {kind:9} {self.per_kind[kind]['cases']:5} requests, {self.per_kind[kind]['failed']:4} failed, "
                         f"p50 {times[len(times) // 2] * 1000:6.1f} ms, max {times[-1] * 1000:7.1f} ms  ({description})")
        if health.line():
            lines.append(health.line())
        lines.append("  silent closes (no answer) by case:")
        for (kind, sub, state), number in sorted(self.silent.items()):
            lines.append(f"    {kind}/{sub}: {number} {state}")
        lines.append("  answers by case (status or outcome: count):")
        for (kind, sub), counter in sorted(self.statuses.items()):
            lines.append(f"    {kind}/{sub}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=str)))
        failing_from = len(lines)
        if self.failures:
            lines.append(f"  FAILURES ({self.failed_requests} requests, {len(self.failures)} groups):")
            for (kind, sub, summary), items in sorted(self.failures.items()):
                case, outcome, problems = items[0]
                lines.append(f"    [{kind}] {sub}: {len(items)} x {summary}")
                lines.append(f"        e.g. request {describe_request(case)}")
                lines.append(f"             got {describe_outcome(outcome)}")
        return "\n".join(lines), "\n".join(lines[:len(KINDS) + 2] + lines[failing_from:])
