#!/usr/bin/env python3
"""What deeply nested tool schemas cost the gateway, for a new binary and a baseline one in the same run.

For each binary in turn (`--binary`, then `--baseline`), with a simulator and a gateway of its own (default
settings: an 8 MiB body limit, no API keys), it measures:

1. RSS: the gateway's RSS before and right after REQUESTS_RSS Chat Completions requests of 1.6 MB whose tools'
   `parameters` nest 60 deep, and again RSS_SETTLE s later (memory the deep bodies left behind);
2. CPU: seconds of the gateway's CPU (utime + stime in /proc/<pid>/stat, read before and after each request)
   per MB (10^6 bytes) of request body, for ~1.5 MB bodies whose tool schemas nest 1 level (wide: one object
   of many members) or 60 levels (deep: one member per level), with the same bytes and the same number of
   JSON values either way, on Chat Completions (`tools[].function.parameters`), Responses (`tools[].parameters`)
   and Messages (`tools[].input_schema`). Two ways: `tool_choice` none (the tools are decoded and not sent on:
   the cost of reading the body) and the default, `auto` (the tools are also written into the tool catalogue
   sent to Copilot; the simulator takes bodies up to 2 MiB, and refuses larger ones after the catalogue is
   written, when the answer is a 400);
3. /health: the slowest `GET /health` (fuzzing.judge.HealthProbe: every 50 ms, 5 s timeout) while two 7.6 MB
   Responses bodies nested 60 deep (`tool_choice` none) are being answered at once, and the longest time no
   probe was answered; then the same for two ~1.5 MB bodies whose tools are offered (the catalogue written).

It prints a table per measure and the ratios deep/wide (per binary) and new/baseline. Python 3.11+ standard
library only; it imports bench/soak/ and clients/fuzzing/ by path. See bench/NESTING.md.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import http.client
import os
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent / "clients")]

from fuzzing.judge import Health, HealthProbe  # noqa: E402
from soak.client import HOST  # noqa: E402
from soak.options import find_binary  # noqa: E402
from soak.processes import Children, proc_rss_kb, start_stack  # noqa: E402

DEPTH = 60
CPU_BODY = 1_500_000
RSS_BODY = 1_600_000
REQUESTS_RSS = 12
RSS_SETTLE = 30.0
HEALTH_CASES = [(7_600_000, False), (CPU_BODY, True)]  # two bodies of this size at once; with the tools offered
TIMEOUT = 900.0  # seconds one answer may take (the baseline takes minutes for a 7.6 MB deep body)
DIALECTS = {  # path, the body before its tools, one tool (NAME, SCHEMA), tool_choice none
    "chat": ("/v1/chat/completions", '"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]',
             '{"type":"function","function":{"name":"NAME","parameters":SCHEMA}}', '"none"'),
    "responses": ("/v1/responses", '"model":"gpt-4.1","input":"hi"',
                  '{"type":"function","name":"NAME","parameters":SCHEMA}', '"none"'),
    "messages": ("/v1/messages", '"model":"claude-sonnet-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]',
                 '{"name":"NAME","input_schema":SCHEMA}', '{"type":"none"}'),
}


def schema(shape: str, depth: int = DEPTH) -> str:
    """`depth` JSON values in 7 bytes each: one object of depth - 1 numbers (wide, nested 1 deep), or depth objects
    in one another (deep)."""
    if shape == "wide":
        return "{" + ",".join(f'"{i:02d}":0' for i in range(depth - 1)) + "}"
    return '{"aa":' * (depth - 1) + "{}" + "}" * (depth - 1)


def tools_body(dialect: str, shape: str, size: int, offered: bool = False) -> bytes:
    """A body of about `size` bytes whose tools all have `shape`'s schema; `offered`: without tool_choice none."""
    _, head, tool, none = DIALECTS[dialect]
    template = tool.replace("SCHEMA", schema(shape))
    count = max(1, (size - len(head) - 40) // (len(template) + 4))
    tools = ",".join(template.replace("NAME", f"t{i}") for i in range(count))
    choice = "" if offered else f'"tool_choice":{none},'
    return f'{{{head},{choice}"tools":[{tools}]}}'.encode()


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post(port: int, path: str, body: bytes) -> tuple:
    """(status or the exception's name, seconds)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json", "anthropic-version": "2023-06-01"})
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    except OSError as error:
        return type(error).__name__, time.monotonic() - started
    finally:
        connection.close()


class Gateway:
    """A simulator and a gateway of `binary`'s, in a temporary directory, through bench/soak/processes.py."""

    def __init__(self, binary: Path, tmp: Path):
        self.children = Children()
        settings = types.SimpleNamespace(snapshots=8, delay_ms=5, gateway_env=[])
        self.stack = asyncio.run(start_stack(settings, binary, tmp, self.children))
        self.pid, self.port = self.stack.gateway.pid, self.stack.gw_port

    def cpu_of(self, path: str, body: bytes, times: int, statuses: set) -> float:
        """Gateway CPU seconds per MB of body over `times` requests of it, one after another."""
        spent = 0.0
        for _ in range(times):
            before = cpu_seconds(self.pid)
            status, _ = post(self.port, path, body)
            time.sleep(0.2)  # what the gateway does after the answer (its log, its store)
            spent += cpu_seconds(self.pid) - before
            statuses.add(status)
        return spent / times / (len(body) / 1e6)

    def health_during(self, body: bytes, offered: bool) -> dict:
        """The /health probe's samples, the answers and the gateway's CPU while two Responses `body`s are answered at once."""
        probe = HealthProbe(self.port)
        time.sleep(0.3)  # the probe's first (warm-up) calls
        before = cpu_seconds(self.pid)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda _: post(self.port, "/v1/responses", body), range(2)))
        time.sleep(0.3)
        row = {"size": len(body), "offered": offered, "cpu": cpu_seconds(self.pid) - before, "health": Health(probe.stop()), "answers": answers}
        print(f"  /health: two {len(body) / 1e6:.1f} MB bodies{' (tools offered)' if offered else ''} answered "
              f"{[(s, round(t, 2)) for s, t in answers]}", flush=True)
        return row

    def rss_mib(self) -> float:
        return (proc_rss_kb(self.pid) or 0) / 1024


def measure(label: str, binary: Path, repeat: int, keep: bool) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"nesting-{label}-"))
    gateway = None
    result: dict = {"binary": str(binary), "cpu": {}, "statuses": {}}
    try:
        gateway = Gateway(binary, tmp)
        print(f"{label}: {binary} (gateway pid {gateway.pid}, port {gateway.port})", flush=True)
        post(gateway.port, "/v1/chat/completions", tools_body("chat", "wide", 10_000))  # warm-up
        time.sleep(0.5)

        rss_path, rss_body = DIALECTS["chat"][0], tools_body("chat", "deep", RSS_BODY)
        result["rss_body"] = len(rss_body)
        result["rss_before"] = gateway.rss_mib()
        statuses = {post(gateway.port, rss_path, rss_body)[0] for _ in range(REQUESTS_RSS)}
        result["rss_after"] = gateway.rss_mib()
        print(f"  RSS: {REQUESTS_RSS} requests answered {sorted(statuses, key=str)}; waiting {RSS_SETTLE:.0f} s", flush=True)
        time.sleep(RSS_SETTLE)
        result["rss_later"] = gateway.rss_mib()
        result["rss_statuses"] = statuses

        for offered in (False, True):
            for dialect in DIALECTS:
                for shape in ("wide", "deep"):
                    body, statuses = tools_body(dialect, shape, CPU_BODY, offered), set()
                    per_mb = gateway.cpu_of(DIALECTS[dialect][0], body, repeat, statuses)
                    key = (dialect, "auto" if offered else "none", shape)
                    result["cpu"][key], result["statuses"][key] = per_mb, statuses
                    print(f"  CPU {' '.join(key)}: {per_mb:.3f} s/MB of {len(body) / 1e6:.2f} MB, answered {sorted(statuses, key=str)}", flush=True)

        result["health"] = [gateway.health_during(tools_body("responses", "deep", size, offered), offered) for size, offered in HEALTH_CASES]
        result["alive"] = gateway.stack.gateway.poll() is None
        return result
    finally:
        if gateway:
            gateway.children.stop()
        if keep:
            print(f"  logs and state kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def longest_unanswered(samples: list) -> float:
    """The longest time between one probe's 200 and the next (or the first probe's start)."""
    done = [start + seconds for start, seconds, status, _ in samples if status == 200]
    starts = [samples[0][0]] if samples else []
    marks = sorted(starts + done)
    return max((b - a for a, b in zip(marks, marks[1:])), default=0.0)


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "-"


def report(results: dict[str, dict], repeat: int) -> list[str]:
    labels = list(results)
    lines = ["", f"CPU seconds of the gateway per MB of request body (~{CPU_BODY / 1e6:.1f} MB bodies, {repeat} requests each; "
                 f"tools nested 1 (wide) or {DEPTH} (deep) levels)"]
    header = f"  {'endpoint':10} {'tool_choice':11}"
    for label in labels:
        header += f" | {label + ' wide':>13} {'deep':>7} {'deep/wide':>9}"
    if len(labels) == 2:
        header += f" | {labels[0] + '/' + labels[1] + ' wide':>21} {'deep':>6}"
    lines.append(header)
    for choice in ("none", "auto"):
        for dialect in DIALECTS:
            row = f"  {dialect:10} {choice:11}"
            for label in labels:
                cpu = results[label]["cpu"]
                wide, deep = cpu.get((dialect, choice, "wide")), cpu.get((dialect, choice, "deep"))
                row += f" | {wide:13.3f} {deep:7.3f} {ratio(deep, wide):>9}"
            if len(labels) == 2:
                a, b = (results[label]["cpu"] for label in labels)
                row += f" | {ratio(a[(dialect, choice, 'wide')], b[(dialect, choice, 'wide')]):>21} {ratio(a[(dialect, choice, 'deep')], b[(dialect, choice, 'deep')]):>6}"
            lines.append(row)
    lines.append("  answers: " + "; ".join(
        f"{label} {choice}: {sorted(set().union(*(s for k, s in results[label]['statuses'].items() if k[1] == choice)), key=str)}"
        for label in labels for choice in ("none", "auto")))

    first = results[labels[0]]
    lines += ["", f"Gateway RSS (MiB) around {REQUESTS_RSS} Chat Completions requests of {first['rss_body'] / 1e6:.1f} MB nested {DEPTH} deep",
              f"  {'binary':10} {'before':>8} {'after':>8} {f'{RSS_SETTLE:.0f} s later':>11}  answers"]
    for label in labels:
        r = results[label]
        lines.append(f"  {label:10} {r['rss_before']:8.1f} {r['rss_after']:8.1f} {r['rss_later']:11.1f}  {sorted(r['rss_statuses'], key=str)}")

    lines += ["", f"GET /health while two Responses bodies nested {DEPTH} deep are answered at once (tool_choice none, or tools offered)",
              f"  {'binary':10} {'bodies':17} {'slowest':>9} {'timed out':>9} {'longest unanswered':>18} {'gateway CPU':>11}  answers (status, s)"]
    for label in labels:
        for row in results[label]["health"]:
            samples = row["health"].samples
            slowest = max((s[1] for s in samples[1:]), default=0.0)
            timeouts = sum(1 for s in samples if s[2] is None)
            bodies = f"{row['size'] / 1e6:.1f} MB {'offered' if row['offered'] else 'none'}"
            lines.append(f"  {label:10} {bodies:17} {slowest * 1000:7.0f}ms {timeouts:9} {longest_unanswered(samples):17.2f}s {row['cpu']:10.2f}s  "
                         f"{[(s, round(t, 2)) for s, t in row['answers']]}")
        if not results[label]["alive"]:
            lines.append(f"  {label}: THE GATEWAY EXITED")
    return lines


def main(argv: list[str]) -> int:
    default_baseline = "/tmp/gateway-d3a2804" if os.path.exists("/tmp/gateway-d3a2804") else None
    p = argparse.ArgumentParser(description="CPU, RSS and /health latency of deeply nested tool schemas, new binary against a baseline.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--binary", default=os.environ.get("COPILOT_GATEWAY_BIN"),
                   help="the new copilot-gateway (default: $COPILOT_GATEWAY_BIN, else .build-release/release, .build/release or .build/debug)")
    p.add_argument("--baseline", default=default_baseline, help="the binary to compare with; 'none' to measure only --binary")
    p.add_argument("--repeat", type=int, default=2, help="requests per CPU measurement")
    p.add_argument("--keep", action="store_true", help="keep the temporary directories (logs, state)")
    args = p.parse_args(argv)
    try:
        binaries = {"new": find_binary(args.binary).resolve()}
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    if args.baseline and args.baseline != "none":
        if not os.access(args.baseline, os.X_OK):
            print(f"no baseline binary at {args.baseline}", file=sys.stderr)
            return 2
        binaries["baseline"] = Path(args.baseline).resolve()
    results = {}
    try:
        for label, binary in binaries.items():
            results[label] = measure(label, binary, args.repeat, args.keep)
    except RuntimeError as error:  # a process did not come up
        print(error, file=sys.stderr)
        return 2
    print("\n".join(report(results, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
