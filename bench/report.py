#!/usr/bin/env python3
"""Helpers and the report writer for bench/run.sh.

  report.py count-log            nginx access-log lines on stdin -> {"create":n,"chat":n,"stream":n}
  report.py count-sim            the simulator's GET /_sim/requests on stdin -> the same
  report.py write RESULTS OUT GATEWAY_BINARY
                                 turns run.sh's JSON lines into the Markdown report OUT
"""

import datetime
import json
import os
import platform
import re
import subprocess
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)


def classify(path):
    path = path.split("?")[0]
    if path.endswith("/chatOverStream"):
        return "stream"
    if path.endswith("/chat"):
        return "chat"
    if path.rstrip("/").endswith("/beta/copilot/conversations"):
        return "create"
    return None


def count(paths):
    counts = {"create": 0, "chat": 0, "stream": 0}
    for path in paths:
        kind = classify(path)
        if kind:
            counts[kind] += 1
    return counts


def count_log():
    paths = (line.split()[1] for line in sys.stdin if len(line.split()) >= 2)
    print(json.dumps(count(paths)))


def count_sim():
    text = sys.stdin.read()
    records = json.loads(text) if text.strip() else []
    if isinstance(records, dict):
        records = records.get("requests", [])
    print(json.dumps(count(record.get("path", "") for record in records if record.get("method") == "POST")))


# --- the report ---------------------------------------------------------------------------------

def command_output(arguments):
    try:
        result = subprocess.run(arguments, capture_output=True, text=True, timeout=30)
        return (result.stdout + result.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return "unavailable"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1])
    distro = "Linux"
    if os.path.exists("/etc/os-release"):
        with open("/etc/os-release", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    return {
        "nproc": os.cpu_count(), "cpu": model, "memory_gib": memory / 1024 / 1024,
        "kernel": platform.release(), "distro": distro,
    }


def versions():
    swift = command_output(["swift", "--version"]).splitlines()
    swift = next((line for line in swift if "Swift version" in line), swift[0] if swift else "unavailable")
    nginx = command_output(["nginx", "-v"]).replace("nginx version: ", "")
    wrk = command_output(["wrk", "-v"]).splitlines()
    wrk = wrk[0].split(" Copyright")[0] if wrk else "unavailable"
    python = platform.python_version()
    commit = os.environ.get("GATEWAY_COMMIT")
    if not commit:
        commit = command_output(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"])
        if command_output(["git", "-C", REPO_DIR, "status", "--porcelain", "--", "Sources", "Package.swift"]):
            commit += " (with uncommitted changes in Sources)"
    return {"swift": swift, "nginx": nginx, "wrk": wrk, "python": python, "commit": commit}


def ms(microseconds):
    return "%.3f" % (microseconds / 1000.0)


def added(gateway, direct):
    return "%+.3f" % ((gateway - direct) / 1000.0)


class Results:
    def __init__(self, path):
        self.records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
        self.info = {}
        for record in self.records:
            if record["kind"] == "info":
                self.info.update({key: value for key, value in record.items() if key != "kind"})

    def phase(self, upstream, side, call, concurrency, stream=None):
        for record in self.records:
            if (record["kind"] == "phase" and record["upstream"] == upstream and record["side"] == side
                    and record["call"] == call and record["concurrency"] == concurrency
                    and (stream is None or record.get("stream") == stream)):
                return record
        return None

    def rss(self, upstream, when):
        for record in self.records:
            if record["kind"] == "rss" and record["upstream"] == upstream and record["when"] == when:
                return record
        return None

    def streams(self):
        return next((record for record in self.records if record["kind"] == "streams"), None)

    def upstreams(self):
        return [name for name in ("nginx", "sim") if any(
            record["kind"] == "phase" and record["upstream"] == name for record in self.records)]


def rate(wrk):
    return wrk["responses"] / (wrk["elapsed_us"] / 1e6) if wrk["elapsed_us"] else 0.0


def pair_rate(first, second):
    """Requests per second of a call pair done one after the other on each connection."""
    a, b = rate(first), rate(second)
    return 1.0 / (1.0 / a + 1.0 / b) if a and b else 0.0


def cpu_per_1000(record, key="cpu_ticks"):
    seconds = record[key] / record["clk_tck"]
    return seconds / record["wrk"]["responses"] * 1000 if record["wrk"]["responses"] else 0.0


def cpu_cell(record):
    return "%.3f (%.3f + %.3f)" % (
        cpu_per_1000(record), cpu_per_1000(record, "user_ticks"), cpu_per_1000(record, "system_ticks"))


class Row:
    """One kind of request through the gateway and its direct baseline."""

    def __init__(self, results, upstream, stream, turn, concurrency):
        self.gateway = results.phase(upstream, "gateway", turn, concurrency, stream)
        single = "stream" if stream else "chat"
        if turn == "first":
            create = results.phase(upstream, "direct", "create", concurrency)
            call = results.phase(upstream, "direct", single + "-first", concurrency)
            self.direct = [create, call]
        else:
            self.direct = [results.phase(upstream, "direct", single + "-second", concurrency)]
        self.ok = self.gateway is not None and all(self.direct)

    def direct_p(self, key):
        return sum(record["wrk"][key] for record in self.direct)

    def direct_rate(self):
        if len(self.direct) == 2:
            return pair_rate(self.direct[0]["wrk"], self.direct[1]["wrk"])
        return rate(self.direct[0]["wrk"])


LABELS = {
    (0, "first"): "non-streamed, first turn",
    (0, "continue"): "non-streamed, continuing turn",
    (1, "first"): "streamed, first turn",
    (1, "continue"): "streamed, continuing turn",
}
ORDER = [(0, "first"), (0, "continue"), (1, "first"), (1, "continue")]


def upstream_table(results, upstream):
    lines = [
        "| Request | Conc. | Gateway p50 | Direct p50 | **Added p50** | Gateway p99 | Direct p99 | **Added p99** "
        "| Gateway req/s | Direct req/s | Gateway CPU s / 1,000 req (user + sys) | Upstream calls per request (create + chat) "
        "| Errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for stream, turn in ORDER:
        for concurrency in (1, 32):
            row = Row(results, upstream, stream, turn, concurrency)
            if not row.ok:
                continue
            wrk = row.gateway["wrk"]
            calls = row.gateway["upstream_calls"]
            made = calls["create"], calls["chat"] + calls["stream"]
            per = "%.3f + %.3f" % (made[0] / wrk["responses"], made[1] / wrk["responses"]) if wrk["responses"] else "-"
            errors = wrk["bad"] + wrk["status_errors"] + wrk["timeouts"] + wrk["connect_errors"] + wrk["read_errors"]
            errors += sum(record["wrk"]["bad"] + record["wrk"]["timeouts"] for record in row.direct)
            lines.append("| %s | %d | %s | %s | **%s** | %s | %s | **%s** | %.0f | %.0f | %s | %s | %d |" % (
                LABELS[(stream, turn)], concurrency,
                ms(wrk["p50_us"]), ms(row.direct_p("p50_us")), added(wrk["p50_us"], row.direct_p("p50_us")),
                ms(wrk["p99_us"]), ms(row.direct_p("p99_us")), added(wrk["p99_us"], row.direct_p("p99_us")),
                rate(wrk), row.direct_rate(), cpu_cell(row.gateway), per, errors))
    return "\n".join(lines)


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def targets(results):
    """(text, met) for each target of the issue, measured on the static upstream."""
    out = []

    def row(stream, turn, concurrency):
        found = Row(results, "nginx", stream, turn, concurrency)
        return found if found.ok else None

    def check(name, values, limit, unit, fmt="%.3f"):
        values = [(label, value) for label, value in values if value is not None]
        if not values:
            return
        met = all(value < limit for _, value in values)
        detail = ", ".join(("%s " + fmt + " %s") % (label, value, unit) for label, value in values)
        out.append((name, "under " + (fmt % limit) + " " + unit, detail, met))

    def added_p50(stream, turn):
        found = row(stream, turn, 1)
        return (found.gateway["wrk"]["p50_us"] - found.direct_p("p50_us")) / 1000.0 if found else None

    check("Added p50 at concurrency 1, non-streamed", [
        ("continuing", added_p50(0, "continue")), ("first turn", added_p50(0, "first"))], 0.3, "ms")
    check("Added p50 at concurrency 1, streamed", [
        ("continuing", added_p50(1, "continue")), ("first turn", added_p50(1, "first"))], 0.4, "ms")

    def cpu(stream, turn):
        found = row(stream, turn, 32)
        return cpu_per_1000(found.gateway) if found else None

    check("Gateway CPU per 1,000 non-streamed requests (concurrency 32)", [
        ("continuing", cpu(0, "continue")), ("first turn", cpu(0, "first"))], 0.25, "s")
    check("Gateway CPU per 1,000 streamed requests (concurrency 32)", [
        ("continuing", cpu(1, "continue")), ("first turn", cpu(1, "first"))], 0.35, "s")

    rates = []
    for stream, turn in ORDER:
        found = row(stream, turn, 32)
        if found:
            rates.append((LABELS[(stream, turn)], rate(found.gateway["wrk"])))
    if rates:
        met = all(value >= 3000 for _, value in rates)
        out.append(("Requests/s at concurrency 32", "at least 3,000",
                    ", ".join("%s %.0f" % item for item in rates), met))

    idle = results.rss("nginx", "idle")
    if idle:
        out.append(("RSS idle", "under 30 MiB", "%s (%s anonymous)" % (mib(idle["kib"]), mib(idle.get("anon_kib", 0))),
                    idle["kib"] < 30 * 1024))
    streams = results.streams()
    if streams:
        result = streams["result"]
        detail = "%s peak with %d connections open (%d had headers, %d a first event)" % (
            mib(result["rss_peak_kib"]), result["opened"], result["with_headers"], result["with_data"])
        met = result["rss_peak_kib"] < 100 * 1024 and result["with_data"] >= result["requested"]
        if result["with_data"] < result["requested"]:
            detail += "; not every stream had started, so the target is not shown as met"
        out.append(("RSS with %d open streams" % result["requested"], "under 100 MiB", detail, met))
    return out


def write(results_path, out_path, binary):
    results = Results(results_path)
    info = results.info
    host = machine()
    tools = versions()
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = []
    add = text.append
    add("# Benchmark results")
    add("")
    add("Written by `bench/run.sh` on %s. Re-run with `bench/run.sh` (about 5 minutes; see the usage at the top "
        "of the script). The numbers are from one run on a shared 2-core machine: expect some noise, "
        "most of all in the p99 columns." % now)
    add("")
    add("## Machine and tools")
    add("")
    add("| | |")
    add("|---|---|")
    add("| Machine | %d CPUs (`nproc`), %s, %.1f GiB memory |" % (host["nproc"], host["cpu"], host["memory_gib"]))
    add("| System | %s, kernel %s |" % (host["distro"], host["kernel"]))
    add("| Gateway | release build of commit %s (`%s`); `LOG_LEVEL=%s`, `COPILOT_MAX_CONVERSATIONS=1000000`, "
        "`GATEWAY_MAX_CONCURRENT_PER_KEY=0` and `COPILOT_MAX_CONCURRENT=100000` (its admission limits lifted)%s, "
        "state in SQLite under a temporary `STATE_DIR` on disk |" % (
            tools["commit"], os.path.relpath(binary, REPO_DIR) if binary.startswith(REPO_DIR) else binary,
            info.get("log_level", "info"),
            (", " + ", ".join("`%s`" % item for item in info["gateway_env"].split())) if info.get("gateway_env") else ""))
    add("| Swift | %s |" % tools["swift"])
    add("| nginx | %s, %s worker process |" % (tools["nginx"], info.get("nginx_workers", 1)))
    add("| wrk | %s, one thread |" % tools["wrk"])
    add("| Python | %s (only for the open-streams client and this report) |" % tools["python"])
    threads = results.rss("nginx", "after")
    if threads:
        add("| Threads | gateway %d (NIO event loops and Swift's cooperative pool), nginx 1 worker, wrk 1, "
            "simulator %s; no CPU pinning: all share the 2 cores |" % (threads["threads"], info.get("simulator_threads", "-")))
    add("")
    add("## How it is measured")
    add("")
    add(METHOD % {
        "n1": info.get("n1"), "n32": info.get("n32"), "sim_n1": info.get("sim_n1"), "sim_n32": info.get("sim_n32"),
        "snapshots": info.get("sim_snapshots"), "delay": info.get("sim_delay_ms"),
    })
    add("")
    for upstream in results.upstreams():
        if upstream == "nginx":
            add("## (a) Static upstream (nginx)")
        else:
            add("## (b) Simulator (`copilot-gateway simulate --snapshots %s --delay-ms %s`)" % (
                info.get("sim_snapshots"), info.get("sim_delay_ms")))
        add("")
        add("Latencies in milliseconds. \"Added\" is the gateway's p50 (p99) minus the direct p50 (p99) of the same "
            "Graph calls in the same run.")
        add("")
        add(upstream_table(results, upstream))
        add("")
        memory = [results.rss(upstream, when) for when in ("idle", "warm", "after")]
        if all(memory):
            add("Gateway RSS (anonymous memory in brackets; the rest is mapped code and data of the binary and of "
                "the Swift, Foundation and ICU libraries): %s idle (just started), %s after the warm-up, %s after "
                "the run." % tuple("%s (%s)" % (mib(record["kib"]), mib(record.get("anon_kib", 0))) for record in memory))
            add("")
    streams = results.streams()
    if streams:
        result = streams["result"]
        add("## Open streams")
        add("")
        add(("%d streamed requests opened at once against a gateway in front of a slow simulator (`--snapshots %s "
             "--delay-ms %s`, a reply of about %s s), held for %s s: %d connections open, %d had the response "
             "headers and %d a first `data:` event when the hold ended. Gateway RSS: %s before, **%s at the "
             "peak**, %s at the end of the hold, %s a second after the clients closed. The gateway had %d threads.") % (
            result["requested"], info.get("slow_snapshots"), info.get("slow_delay_ms"),
            int(info.get("slow_snapshots", 0)) * int(info.get("slow_delay_ms", 0)) // 1000, result["hold_seconds"],
            result["opened"], result["with_headers"], result["with_data"], mib(result["rss_before_kib"]),
            mib(result["rss_peak_kib"]), mib(result["rss_end_kib"]), mib(result["rss_after_close_kib"]),
            streams["threads"]))
        add("")
        if result["with_data"] < result["requested"]:
            add(STREAMS_NOTE)
            add("")
    add("## Targets (static upstream, this machine, same run)")
    add("")
    add("| Target | Goal | Measured | |")
    add("|---|---|---|---|")
    for name, goal, detail, met in targets(results):
        add("| %s | %s | %s | %s |" % (name, goal, detail, "met" if met else "**missed**"))
    add("")
    add("Where a target is missed, [PROFILE.md](PROFILE.md) shows where the gateway's CPU time goes (`bench/profile.sh`). "
        "In short: after the hot-path fixes the cost is spread over the stack (NIO's channels and the kernel's socket work, "
        "AsyncHTTPClient, Foundation's JSONDecoder on each cumulative snapshot of a stream, Hummingbird); no single fix is left "
        "that reaches the CPU and latency targets. Idle RSS is mostly code mapped from the Swift, Foundation and ICU libraries "
        "(only about 3.5 MiB is anonymous memory), and each open stream holds a client connection, an upstream connection "
        "and its tasks (about 80 KiB).")
    add("")
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(text))


METHOD = """\
- **Load**: wrk, one thread, keep-alive connections, closed loop at concurrency 1 and 32. Each measured
  phase is a fixed number of requests (%(n1)s at concurrency 1 and %(n32)s at 32 on the static upstream,
  %(sim_n1)s and %(sim_n32)s on the simulator); `openai.lua` and `graph.lua` stop wrk when it is reached and
  time the phase themselves (requests per second = responses / time from the first request to the last
  response). Latency is wrk's, from writing a request to the end of its response (for a stream: the whole
  stream). Before the measured phases, 500 non-streamed and 500 streamed first turns warm the gateway up.
- **First turns**: one user message, unique in the run (`bench-<tag>-<n>`), so the gateway creates a
  conversation and then chats: 2 upstream calls. **Continuing turns**: `[user A, assistant R, user B]`, where
  `A` is a first turn of the previous phase and `R` the reply exactly as the gateway returned it to that
  request (read from its answer or stream); each history is sent once, since a history continues its
  conversation only once. The gateway then makes 1 upstream call. The last column counts the upstream calls
  the gateway really made per request (from nginx's access log or the simulator's request log): `0 + 1` for
  continuing turns shows they continued.
- **Direct baseline**: wrk sends the same Graph calls straight to the upstream, with the body the gateway
  sends: `POST /beta/copilot/conversations`, then `/chat` (or `/chatOverStream`) on a conversation of its
  own (first turns), then a second `/chat` on the same conversations (the baseline of continuing turns). A
  first turn's direct latency is the create p50 plus the chat p50 (p99: the sum of the two p99s, an upper
  bound, so the added p99 of first turns is understated); its direct requests/s is that of the pair done one
  after the other on each connection (1 / (1/create rate + 1/chat rate)).
- **CPU**: utime + stime of the gateway process from `/proc/PID/stat` before and after each phase (clock
  ticks of 10 ms), divided by the responses. It includes what the gateway does for the requests wrk leaves in
  flight when the phase ends (at most 31).
- **RSS**: `VmRSS` from `/proc/PID/status`.
- **Simulator**: %(snapshots)s growing partial snapshots per streamed reply, %(delay)s ms between events. The
  simulator runs on the same 2 cores and costs more CPU than the gateway, so its rows show the gateway in a
  setting closer to a real upstream, not its own cost."""

STREAMS_NOTE = """\
Not every stream had started: the gateway's `HTTPClient` keeps AsyncHTTPClient's default connection pool,
whose `concurrentHTTP1ConnectionsPerHostSoftLimit` is 8. Over plain HTTP/1.1 (the simulator here) at most
8 upstream requests run at once and the rest wait in the pool's queue (the gateway has already sent their
response headers), so the client connections are open but most of their turns have not reached the
upstream. Against Graph (TLS, HTTP/2) requests share multiplexed connections instead. The number above is
therefore the memory of that many open client streams with pending turns and 8 live upstream streams, not
of that many live upstream streams."""


def main(argv):
    if len(argv) == 2 and argv[1] == "count-log":
        count_log()
    elif len(argv) == 2 and argv[1] == "count-sim":
        count_sim()
    elif len(argv) == 5 and argv[1] == "write":
        write(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
