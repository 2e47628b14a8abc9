#!/usr/bin/env python3
"""A soak-length run of bad requests: the client suite's fuzz generators, far longer than CI runs them.

Starts `copilot-gateway simulate` and `copilot-gateway serve` (an API key, a 1 MiB body limit, as the client
suite's fuzz test has them), then sends --requests (100,000) generated bad requests, WORKERS at a time, in
batches: each batch is one dialect's cases (Chat Completions, Responses, Messages, count_tokens, in turn)
from its own seed (--seed plus the batch number), so no two batches send the same requests. Meanwhile a
separate process polls `GET /health` every 50 ms and a thread samples the gateway's RSS. It checks that

* the gateway never exits (no crash) and never answers 5xx,
* every error has its route's shape (OpenAI's on the Chat Completions and Responses routes, Anthropic's on
  the Messages routes; fuzzing/dialects.py) and every case gets what fuzzing/judge.py expects of it,
* every /health probe after the first answers 200 within 100 ms,

and prints a report: requests and failures per dialect (with examples), the /health latencies, and the
RSS at the start, the end and its peak. The generators and the judge are imported from clients/fuzzing/.
Python 3.11+ standard library only. See bench/FUZZ_SOAK.md.
Exit status: 0 pass, 1 a check failed, 2 the set-up failed (binary missing, a process did not start).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import dataclasses
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent / "clients")]

from fuzzing.case import FUZZ_KEY, MAX_BODY_MB, Case  # noqa: E402
from fuzzing.cases import build_cases  # noqa: E402
from fuzzing.dialects import DIALECTS  # noqa: E402
from fuzzing.judge import HEALTH_LIMIT, Health, HealthProbe, describe_outcome, describe_request, failure_group, judge  # noqa: E402
from fuzzing.send import Outcome, exchange  # noqa: E402
from soak.client import HOST  # noqa: E402
from soak.options import find_binary  # noqa: E402
from soak.processes import OWN_SETTINGS, Children, free_port, proc_rss_kb, wait_ready  # noqa: E402

WORKERS = 8
RSS_INTERVAL = 0.5  # seconds between RSS samples


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Send many generated bad requests of every dialect to copilot-gateway.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--binary", default=os.environ.get("COPILOT_GATEWAY_BIN"),
                   help="copilot-gateway binary (default: $COPILOT_GATEWAY_BIN, else .build-release/release, "
                        ".build/release or .build/debug in the repository)")
    p.add_argument("--requests", type=int, default=100_000, help="bad requests to send in all")
    p.add_argument("--seed", type=int, default=20261207, help="the first batch's seed; batch k uses seed + k")
    p.add_argument("--examples", type=int, default=3, help="examples printed per dialect and kind of failure")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, state) even on a pass")
    args = p.parse_args(argv)
    if args.requests < 1:
        p.error("--requests must be at least 1")
    return args


class RssSampler(threading.Thread):
    """The gateway's RSS (kB) every RSS_INTERVAL s until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(RSS_INTERVAL):
            rss = proc_rss_kb(self.pid)
            if rss is not None:
                self.samples.append(rss)

    def stop(self) -> None:
        self.stopping.set()
        self.join()


@dataclasses.dataclass
class Totals:
    """One dialect's judged outcomes: the counts, the failing (kind, variant) groups (a variant says whether the request
    carried `anthropic-version`), a few examples of each failure."""

    requests: int = 0
    failed: int = 0
    server_errors: int = 0
    wrong_shape: int = 0
    other: int = 0
    statuses: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    groups: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    examples: dict = dataclasses.field(default_factory=lambda: collections.defaultdict(list))

    def add(self, case: Case, outcome: Outcome, keep: int) -> None:
        """Counts a case; a failure is a 5xx, an error of the wrong shape, or (else) anything else the judge finds."""
        problems = judge(case, outcome)
        self.requests += 1
        self.statuses[outcome.status if outcome.state == "answered" else outcome.state] += 1
        if not problems:
            return
        self.failed += 1
        if outcome.state == "answered" and outcome.status >= 500:
            category = "5xx"
            self.server_errors += 1
        elif any(problem.startswith("error body") for problem in problems):
            category = "wrong shape"
            self.wrong_shape += 1
        else:
            category = "other"
            self.other += 1
        kind, variant, _ = failure_group(case, problems)
        self.groups[(category, kind, variant)] += 1
        if len(self.examples[category]) < keep:
            self.examples[category].append(f"[{kind}] {variant}: {'; '.join(problems)}\n"
                                           f"        request {describe_request(case, 300)}\n        got {describe_outcome(outcome)}")


def base_env() -> dict[str, str]:
    """This environment without the settings of the caller's shell that would change what is measured."""
    return {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}


def gateway_env(sim_port: int, gw_port: int, state: Path) -> dict[str, str]:
    """The gateway's settings: the client suite's fuzz stack (an API key, a 1 MiB body limit, room for the workers)."""
    env = base_env()
    env.update(GRAPH_BASE_URL=f"http://{HOST}:{sim_port}", COPILOT_ACCESS_TOKEN="fuzz-soak-token", STATE_DIR=str(state),
               HOST=HOST, PORT=str(gw_port), LOG_LEVEL="warning", GATEWAY_API_KEYS=FUZZ_KEY, GATEWAY_MAX_BODY_MB=str(MAX_BODY_MB),
               GATEWAY_MAX_CONCURRENT_PER_KEY="64", GATEWAY_IDLE_TIMEOUT_SECONDS="20")
    return env


def start_stack(binary: Path, tmp: Path, children: Children):
    """The simulator and the gateway on free loopback ports, in `tmp`: (the gateway's process, its port)."""
    state = tmp / "state"
    state.mkdir()
    sim_port, gw_port = free_port(), free_port()
    while gw_port == sim_port:
        gw_port = free_port()
    sim = children.start([str(binary), "simulate", "--host", HOST, "--port", str(sim_port), "--delay-ms", "5", "--log-level", "warning"],
                         base_env(), tmp, tmp / "simulator.log")
    asyncio.run(wait_ready(sim_port, "/_sim/faults", sim, "simulator"))
    gateway = children.start([str(binary), "serve"], gateway_env(sim_port, gw_port, state), tmp, tmp / "gateway.log")
    asyncio.run(wait_ready(gw_port, "/health", gateway, "gateway"))
    return gateway, gw_port


def batches(requests: int, seed: int):
    """(batch number, dialect, seed, cases) until `requests` cases are made: the dialects in turn, a new seed each batch."""
    dialects = list(DIALECTS.values())
    made, number = 0, 0
    while made < requests:
        dialect = dialects[number % len(dialects)]
        cases = build_cases(dialect, seed + number)[: requests - made]
        yield number, dialect, seed + number, cases
        made += len(cases)
        number += 1


def run_batch(port: int, cases: list[Case], pool: concurrent.futures.Executor) -> list[tuple[Case, Outcome]]:
    return list(pool.map(lambda case: (case, exchange(port, case)), cases))


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def report(totals: dict[str, Totals], health: Health, rss: dict[str, float], crash: str | None, elapsed: float, keep: int) -> list[str]:
    """The report's lines, and the verdict last: `RESULT: PASS`, or `RESULT: FAIL` with the reasons."""
    requests = sum(t.requests for t in totals.values())
    lines = [f"fuzz soak: {requests} bad requests in {elapsed:.0f} s ({requests / max(elapsed, 1e-9):.0f}/s) with {WORKERS} workers",
             f"  {'dialect':13} {'requests':>8} {'failed':>7} {'5xx':>5} {'wrong shape':>11} {'other':>6}"]
    for name, t in totals.items():
        lines.append(f"  {name:13} {t.requests:8} {t.failed:7} {t.server_errors:5} {t.wrong_shape:11} {t.other:6}")
    lines.append(f"  crashes: {'1 (' + crash + ')' if crash else 0}")
    times = health.times
    lines.append(f"  /health: {len(health.samples)} probes, max {(times[-1] if times else 0) * 1000:.1f} ms, "
                 f"p99 {percentile(times, 0.99) * 1000:.1f} ms, {len(health.slow)} at or over {HEALTH_LIMIT * 1000:.0f} ms, "
                 f"{len(health.errors)} not 200")
    lines.append(f"  gateway RSS: start {rss['start']:.1f} MB, end {rss['end']:.1f} MB, peak {rss['peak']:.1f} MB")
    for name, t in totals.items():
        if not t.failed:
            continue
        lines.append(f"  {name}: failures by kind and variant:")
        for (category, kind, sub), number in sorted(t.groups.items()):
            lines.append(f"    {category:11} [{kind}] {sub}: {number}")
        for category, examples in sorted(t.examples.items()):
            lines.append(f"  {name}: examples of {category}:")
            lines += [f"    {example}" for example in examples[:keep]]
    reasons = [reason for reason, failed in [
        (f"the gateway exited ({crash})", crash),
        (f"{sum(t.server_errors for t in totals.values())} answers were 5xx", any(t.server_errors for t in totals.values())),
        (f"{sum(t.wrong_shape for t in totals.values())} errors had the wrong shape", any(t.wrong_shape for t in totals.values())),
        (f"{sum(t.other for t in totals.values())} other cases were handled wrongly", any(t.other for t in totals.values())),
        (f"{len(health.slow)} /health probes took {HEALTH_LIMIT * 1000:.0f} ms or more", health.slow),
        (f"{len(health.errors)} /health probes failed", health.errors),
    ] if failed]
    lines.append("RESULT: " + ("FAIL: " + "; ".join(reasons) if reasons else "PASS"))
    return lines


def soak(args, binary: Path, tmp: Path, children: Children) -> tuple[list[str], bool]:
    """The run: the stack, the batches beside the /health probe and the RSS sampler, then the report."""
    gateway, port = start_stack(binary, tmp, children)
    time.sleep(0.5)
    rss_start = proc_rss_kb(gateway.pid) or 0
    sampler = RssSampler(gateway.pid)
    sampler.start()
    probe = HealthProbe(port)
    totals = {name: Totals() for name in DIALECTS}
    crash = None
    started = time.monotonic()
    try:
        time.sleep(0.3)  # the probe's first (warm-up) calls
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for number, dialect, seed, cases in batches(args.requests, args.seed):
                batch_started = time.monotonic()
                for case, outcome in run_batch(port, cases, pool):
                    totals[dialect.name].add(case, outcome, args.examples)
                done = sum(t.requests for t in totals.values())
                print(f"fuzz soak: batch {number} ({dialect.name}, seed {seed}): {len(cases)} requests in "
                      f"{time.monotonic() - batch_started:.1f} s; {done}/{args.requests} sent, "
                      f"{sum(t.failed for t in totals.values())} failed, RSS {(proc_rss_kb(gateway.pid) or 0) / 1024:.1f} MB", flush=True)
                if gateway.poll() is not None:
                    crash = f"status {gateway.returncode} after batch {number}"
                    break
    finally:
        elapsed = time.monotonic() - started
        health = Health(probe.stop())
        sampler.stop()
    rss_end = proc_rss_kb(gateway.pid) or (sampler.samples[-1] if sampler.samples else 0)
    if crash is None and gateway.poll() is not None:
        crash = f"status {gateway.returncode}"
    rss = {"start": rss_start / 1024, "end": rss_end / 1024, "peak": max(sampler.samples + [rss_start, rss_end]) / 1024}
    lines = report(totals, health, rss, crash, elapsed, args.examples)
    return lines, lines[-1] == "RESULT: PASS"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        binary = find_binary(args.binary).resolve()
    except FileNotFoundError as error:
        print(f"fuzz soak: {error}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="copilot-fuzz-soak-"))
    print(f"fuzz soak: binary {binary}, {args.requests} requests from seed {args.seed}, temp dir {tmp}", flush=True)
    children = Children()
    try:
        lines, passed = soak(args, binary, tmp, children)
    except RuntimeError as error:
        print(f"fuzz soak: set-up failed: {error}; logs in {tmp}", file=sys.stderr)
        return 2
    finally:
        children.stop()
    print("\n".join(lines))
    if passed and not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"fuzz soak: logs kept in {tmp}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
