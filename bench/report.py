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

    def scale(self, server, snapshots, length):
        for record in self.records:
            if (record["kind"] == "scale" and record["server"] == server and record["snapshots"] == snapshots
                    and record["length"] == length):
                return record["result"]
        return None

    def scale_rows(self):
        """(snapshots, length) of every row of part (c), in the order measured."""
        rows = []
        for record in self.records:
            if record["kind"] == "scale" and (record["snapshots"], record["length"]) not in rows:
                rows.append((record["snapshots"], record["length"]))
        return rows

    def paced(self):
        return next((record for record in self.records if record["kind"] == "paced"), None)

    def original_rss(self, when):
        return next((record for record in self.records
                     if record["kind"] == "original_rss" and record["when"] == when), None)

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


def calls_per_request(record):
    """"create + chat" upstream calls per response of a phase."""
    wrk, calls = record["wrk"], record["upstream_calls"]
    if not wrk["responses"]:
        return "-"
    return "%.3f + %.3f" % (calls["create"] / wrk["responses"], (calls["chat"] + calls["stream"]) / wrk["responses"])


def wrk_errors(wrk):
    return wrk["bad"] + wrk["status_errors"] + wrk["timeouts"] + wrk["connect_errors"] + wrk["read_errors"]


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
            per = calls_per_request(row.gateway)
            errors = wrk_errors(wrk)
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

    def check(name, values, limit, unit, fmt="%.3f", floor=()):
        values = [(label, value) for label, value in values if value is not None]
        if not values:
            return
        met = all(value < limit for _, value in values)
        detail = ", ".join(("%s " + fmt + " %s") % (label, value, unit) for label, value in values)
        floor = [(label, value) for label, value in floor if value is not None]
        if floor:
            detail += "; stack floor (f): " + ", ".join(("%s " + fmt + " %s") % (label, value, unit) for label, value in floor)
        out.append((name, "under " + (fmt % limit) + " " + unit, detail, met))

    def added_p50(stream, turn, side="gateway"):
        found = row(stream, turn, 1)
        measured = results.phase("nginx", side, turn, 1, stream) if found else None
        return (measured["wrk"]["p50_us"] - found.direct_p("p50_us")) / 1000.0 if measured else None

    for stream, name, limit in ((0, "non-streamed", 0.3), (1, "streamed", 0.4)):
        check("Added p50 at concurrency 1, " + name, [
            ("continuing", added_p50(stream, "continue")), ("first turn", added_p50(stream, "first"))], limit, "ms",
            floor=[("continuing", added_p50(stream, "continue", "floor")), ("first turn", added_p50(stream, "first", "floor"))])

    def cpu(stream, turn, side="gateway"):
        found = results.phase("nginx", side, turn, 32, stream)
        return cpu_per_1000(found) if found else None

    for stream, name, limit in ((0, "non-streamed", 0.25), (1, "streamed", 0.35)):
        check("Gateway CPU per 1,000 %s requests (concurrency 32)" % name, [
            ("continuing", cpu(stream, "continue")), ("first turn", cpu(stream, "first"))], limit, "s",
            floor=[("continuing", cpu(stream, "continue", "floor")), ("first turn", cpu(stream, "first", "floor"))])

    rates = []
    for stream, turn in ORDER:
        found = row(stream, turn, 32)
        if found:
            rates.append((LABELS[(stream, turn)], rate(found.gateway["wrk"])))
    if rates:
        met = all(value >= 3000 for _, value in rates)
        out.append(("Requests/s at concurrency 32", "at least 3,000",
                    ", ".join("%s %.0f" % item for item in rates), met))

    ratios = original_ratios(results)
    if ratios:
        values = [value for _, first, second in ratios for value in (first, second) if value is not None]
        detail = "; ".join("%s %s (first turn), %s (continuing)" % (
            label, times(first), times(second)) for label, first, second in ratios)
        reachable = floor_ratios(results)
        if reachable:
            detail += ". The most any gateway on these libraries could reach (original / stack floor, (f)): " + "; ".join(
                "%s %s (first turn), %s (continuing)" % (label, times(first), times(second)) for label, first, second in reachable)
        out.append(("Gateway CPU per request against the original gateway's", "at least 5 times below in every row",
                    "original / ours: " + detail, bool(values) and all(value >= 5 for value in values)))

    ours_long = results.scale("ours", 400, 20000)
    ours_short = results.scale("ours", 10, 20000)
    if ours_long:
        long_ms = per_request_ms(ours_long, "cpu_ns")
        stack_long = per_request_ms(results.scale("stack", 400, 20000), "cpu_ns")
        stack_short = per_request_ms(results.scale("stack", 10, 20000), "cpu_ns")
        reads_long = per_request_ms(results.scale("stack-reads", 400, 20000), "cpu_ns")
        reads_short = per_request_ms(results.scale("stack-reads", 10, 20000), "cpu_ns")
        out.append(("Streamed reply of 20,000 characters in 400 snapshots, gateway CPU per request (c)", "at most 20 ms",
                    "%.2f ms%s%s" % (long_ms, "; the stack floor (f) %.2f ms" % stack_long if stack_long else "",
                                     ", reading only %.2f ms" % reads_long if reads_long else ""), long_ms <= 20))
        if ours_short:
            short_ms = per_request_ms(ours_short, "cpu_ns")
            floor_detail = ""
            if stack_long:
                floor_detail = ("; no gateway that writes as it reads costs less than the stack floor's %.2f ms at 400 "
                                "snapshots (f), so 2.5 times would take at least %.2f ms at 10 snapshots, %.1f times ours") % (
                    stack_long, stack_long / 2.5, stack_long / 2.5 / short_ms)
                if reads_long:
                    floor_detail += "; even reading only (%.2f ms), at least %.2f ms" % (reads_long, reads_long / 2.5)
            out.append(("The same in 400 snapshots against 10 snapshots (c)", "at most 2.5 times",
                        "%.1f times (%.2f ms against %.2f ms)%s" % (long_ms / short_ms, long_ms, short_ms, floor_detail),
                        long_ms <= 2.5 * short_ms))
    paced = results.paced()
    if paced:
        added_ttft = paired_added_ttft(paced["result"])
        added_gap = paced["result"]["gateway"]["gap_p99_ms"] - paced["result"]["direct"]["gap_p99_ms"]
        out.append(("Paced stream: added time to first token (p50) and added p99 gap (d)", "each under 1 ms",
                    "%.2f ms and %.2f ms" % (added_ttft, added_gap), added_ttft < 1 and added_gap < 1))

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
    add("Written by `bench/run.sh` on %s. Re-run with `bench/run.sh` (about %s minutes; see the usage at the top "
        "of the script). The numbers are from one run on a shared 2-core machine: expect some noise, "
        "most of all in the p99 columns." % (now, "5" if not (results.scale_rows() or results.paced()) else "15"))
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
    if results.scale_rows() or results.paced():
        add("| Python | %s (only for the clients of open_streams.py and streaming.py, and this report) |" % tools["python"])
    else:
        add("| Python | %s (only for the open-streams client and this report) |" % tools["python"])
    if info.get("original_sha256"):
        packages = info.get("original_packages", {})
        add("| Original gateway | `gateway.py` (sha256 %s…) of copilot-chat-gateway on Python %s, run as its service "
            "file does (`uvicorn gateway:app`: one process, %s, %s, access log at info) with %s |" % (
                info["original_sha256"], info.get("original_python", "?"),
                "uvloop" if "uvloop" in packages else "asyncio", "httptools" if "httptools" in packages else "h11",
                ", ".join("%s %s" % item for item in sorted(packages.items()))))
    if info.get("floor_binary"):
        floor_binary = info["floor_binary"]
        add("| Stack floor | `stack-floor` (`bench/StackFloor`), release build of %s (`%s`) |" % (
            info.get("floor_built", "?"), os.path.relpath(floor_binary, REPO_DIR) if floor_binary.startswith(REPO_DIR) else floor_binary))
    threads = results.rss("nginx", "after")
    if threads:
        add("| Threads | gateway %d (NIO event loops and Swift's cooperative pool), nginx 1 worker, wrk 1, "
            "simulator %s; no CPU pinning: all share the 2 cores |" % (threads["threads"], info.get("simulator_threads", "-")))
    add("")
    if results.upstreams():
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
    for section in (scale_section(results), paced_section(results), original_section(results), floor_section(results)):
        if section:
            text.extend(section)
    measured = targets(results)
    if measured:
        add("## Targets (this machine, same run)")
        add("")
        add("| Target | Goal | Measured | |")
        add("|---|---|---|---|")
        for name, goal, detail, met in measured:
            add("| %s | %s | %s | %s |" % (name, goal, detail, "met" if met else "**missed**"))
        add("")
        add("Where a target is missed, [PROFILE.md](PROFILE.md) shows where the gateway's CPU time goes (`bench/profile.sh`). "
            "In short: after the hot-path fixes the cost is spread over the stack (NIO's channels and the kernel's socket work, "
            "AsyncHTTPClient, Hummingbird); no single fix is left that reaches the CPU and latency targets. On a long stream, "
            "each snapshot costs one read from Graph, one write to the client and the thread wake-ups between them. "
            + (FLOOR_NOTE if floor_section(results) else "") +
            "Idle RSS is mostly code mapped from the Swift, Foundation and ICU libraries "
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


# --- (c), (d) and (e) ------------------------------------------------------------------------------

def times(value):
    if value is None:
        return "-"
    return ("%.0f×" if value >= 10 else "%.1f×" if value >= 1 else "%.2f×") % value


def per_request_ms(result, key):
    return result[key] / 1e6 / result["requests"] if result and result["requests"] else None


def cell(value, fmt="%.2f"):
    return "-" if value is None else fmt % value


def scale_section(results):
    rows = results.scale_rows()
    if not rows:
        return None
    info = results.info
    original = any(results.scale("original", snapshots, length) for snapshots, length in rows)
    lines = ["## (c) Streaming cost by reply size", ""]
    lines.append(SCALE_METHOD % {"n": info.get("scale_n", "?"), "warm": info.get("scale_warm", "?")})
    if original:
        lines.append("")
        lines.append(SCALE_ORIGINAL)
    lines.append("")
    header = "| Snapshots | Reply (characters) | **Ours: CPU ms / request** | Floor: client CPU ms / request | Ours / floor "
    align = "|---:|---:|---:|---:|---:"
    if original:
        header += "| Original: CPU ms / request | **Original / ours** "
        align += "|---:|---:"
    header += "| Upstream KiB / request | Ours: client CPU ms / request | Failed |"
    align += "|---:|---:|---:|"
    lines += [header, align]
    for snapshots, length in rows:
        ours = results.scale("ours", snapshots, length)
        floor = results.scale("floor", snapshots, length)
        theirs = results.scale("original", snapshots, length)
        ours_ms = per_request_ms(ours, "cpu_ns")
        floor_ms = per_request_ms(floor, "client_cpu_ns")
        line = "| %d | %s | **%s** | %s | %s " % (
            snapshots, "{:,}".format(length), cell(ours_ms), cell(floor_ms, "%.3f"),
            times(ours_ms / floor_ms if ours_ms is not None and floor_ms else None))
        if original:
            theirs_ms = per_request_ms(theirs, "cpu_ns")
            line += "| %s | **%s** " % (
                cell(theirs_ms), times(theirs_ms / ours_ms if theirs_ms is not None and ours_ms else None))
        failed = []
        for name, result in (("ours", ours), ("original", theirs), ("floor", floor)):
            if result and result["failed"]:
                failed.append("%s %d%s" % (name, result["failed"], (" (%s)" % result["problems"][0])
                                           if result.get("problems") else ""))
        line += "| %s | %s | %s |" % (
            cell(floor["bytes"] / 1024.0 / floor["requests"] if floor and floor["requests"] else None, "%.0f"),
            cell(per_request_ms(ours, "client_cpu_ns")), ", ".join(failed) or "0")
        lines.append(line)
    lines.append("")
    return lines


def paired_added_ttft(result):
    """The gateway's added time to first token: the p50 of its requests' TTFT beyond the simulator's own
    part, less the same for the direct client; without the simulator's timing (an older binary), the
    difference of the two TTFT p50s."""
    gateway, direct = result["gateway"], result["direct"]
    if gateway.get("beyond_simulator_p50_ms") is not None and direct.get("beyond_simulator_p50_ms") is not None:
        return gateway["beyond_simulator_p50_ms"] - direct["beyond_simulator_p50_ms"]
    return gateway["ttft_p50_ms"] - direct["ttft_p50_ms"]


def paced_section(results):
    record = results.paced()
    if not record:
        return None
    result = record["result"]
    gateway, direct = result["gateway"], result["direct"]
    lines = ["## (d) Paced stream (`--snapshots %s --delay-ms %s`)" % (record["snapshots"], record["delay_ms"]), ""]
    lines.append(PACED_METHOD % {
        "n": results.info.get("paced_n", gateway["requests"]), "length": "{:,}".format(result["length"]),
        "snapshots": record["snapshots"], "delay": record["delay_ms"]})
    lines.append("")
    lines += [
        "| | TTFT p50 | TTFT p99 | TTFT beyond the simulator's own, p50 | Gap p50 | Gap p99 | Largest gap | Content events / request | Requests (failed) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def two(value):
        return "-" if value is None else "%.2f" % value

    for label, side in (("Through the gateway", gateway), ("Straight from the simulator", direct)):
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %d (%d) |" % (
            label, two(side["ttft_p50_ms"]), two(side["ttft_p99_ms"]), two(side.get("beyond_simulator_p50_ms")), two(side["gap_p50_ms"]),
            two(side["gap_p99_ms"]), two(side["gap_max_ms"]), side["content_events_per_request"],
            side["requests"], side["failed"]))

    def difference(key):
        if gateway.get(key) is None or direct.get(key) is None:
            return "-"
        return "%+.2f" % (round(gateway[key] - direct[key], 2) + 0.0)

    lines.append("| **Added by the gateway** | %s | %s | **%s** | %s | **%s** | | | |" % (
        difference("ttft_p50_ms"), difference("ttft_p99_ms"), difference("beyond_simulator_p50_ms"),
        difference("gap_p50_ms"), difference("gap_p99_ms")))
    lines.append("")
    return lines


ORIGINAL_ORDER = [(0, "non-streamed (whole)"), (1, "streamed")]


def original_ratios(results):
    """(label, original/ours for first turns, for continuing turns) per row of the static comparison."""
    out = []
    for stream, label in ORIGINAL_ORDER:
        for concurrency in (1, 32):
            theirs = results.phase("nginx", "original", "first", concurrency, stream)
            if theirs is None:
                continue
            ratios = []
            for turn in ("first", "continue"):
                ours = results.phase("nginx", "gateway", turn, concurrency, stream)
                ratios.append(cpu_per_1000(theirs) / cpu_per_1000(ours) if ours and cpu_per_1000(ours) else None)
            out.append(("%s c=%d" % (label, concurrency), ratios[0], ratios[1]))
    return out


def original_section(results):
    rows = []
    for stream, label in ORIGINAL_ORDER:
        for concurrency in (1, 32):
            theirs = results.phase("nginx", "original", "first", concurrency, stream)
            if theirs is not None:
                rows.append((stream, label, concurrency, theirs))
    if not rows:
        return None
    info = results.info
    lines = ["## (e) The original Python gateway beside ours (static upstream)", ""]
    lines.append(ORIGINAL_METHOD % {"n1": info.get("original_n1"), "n32": info.get("original_n32")})
    lines.append("")
    lines += [
        "| Request | Conc. | Original CPU s / 1,000 req (user + sys) | Ours, first turn | **Original / ours** "
        "| Ours, continuing turn | **Original / ours** | Original req/s | Ours req/s (first turn) "
        "| Original p50 ms | Ours p50 ms (first turn) | Original's upstream calls per request (create + chat) | Errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for stream, label, concurrency, theirs in rows:
        first = results.phase("nginx", "gateway", "first", concurrency, stream)
        second = results.phase("nginx", "gateway", "continue", concurrency, stream)

        def ratio(ours):
            return times(cpu_per_1000(theirs) / cpu_per_1000(ours)) if ours and cpu_per_1000(ours) else "-"

        wrk = theirs["wrk"]
        per, errors = calls_per_request(theirs), wrk_errors(wrk)
        lines.append("| %s | %d | %s | %s | **%s** | %s | **%s** | %.0f | %s | %s | %s | %s | %d |" % (
            label, concurrency, cpu_cell(theirs),
            "%.3f" % cpu_per_1000(first) if first else "-", ratio(first),
            "%.3f" % cpu_per_1000(second) if second else "-", ratio(second),
            rate(wrk), "%.0f" % rate(first["wrk"]) if first else "-", ms(wrk["p50_us"]),
            ms(first["wrk"]["p50_us"]) if first else "-", per, errors))
    lines.append("")
    idle, after = results.original_rss("idle"), results.original_rss("after")
    if idle and after:
        lines.append("Original gateway RSS: %s idle (%s anonymous), %s after its phases; %d thread%s." % (
            mib(idle["kib"]), mib(idle.get("anon_kib", 0)), mib(after["kib"]), after["threads"],
            "" if after["threads"] == 1 else "s"))
        lines.append("")
    return lines


def floor_ratios(results):
    """(label, original / floor for first turns, for continuing turns) per row of (e): the most that any
    gateway on the floor's libraries could reach against the original."""
    out = []
    for stream, label in ORIGINAL_ORDER:
        for concurrency in (1, 32):
            theirs = results.phase("nginx", "original", "first", concurrency, stream)
            floors = [results.phase("nginx", "floor", turn, concurrency, stream) for turn in ("first", "continue")]
            if theirs is None or not any(floors):
                continue
            ratios = [cpu_per_1000(theirs) / cpu_per_1000(floor) if floor and cpu_per_1000(floor) else None for floor in floors]
            out.append(("%s c=%d" % (label, concurrency), ratios[0], ratios[1]))
    return out


def floor_section(results):
    static = [(stream, turn, concurrency, results.phase("nginx", "floor", turn, concurrency, stream))
              for stream, turn in ORDER for concurrency in (1, 32)]
    static = [row for row in static if row[3] is not None]
    streams = [(snapshots, length, results.scale("stack", snapshots, length)) for snapshots, length in results.scale_rows()]
    streams = [row for row in streams if row[2] is not None]
    if not static and not streams:
        return None
    lines = ["## (f) The floor of the gateway's libraries (`stack-floor`)", "", FLOOR_METHOD, ""]
    if static:
        lines += floor_static_table(results, static) + [""]
    if streams:
        lines += floor_stream_table(results, streams) + [""]
    return lines


def floor_static_table(results, rows):
    original = any(results.phase("nginx", "original", "first", concurrency, stream) for stream, _, concurrency, _ in rows)
    header = "| Request | Conc. | stack-floor CPU s / 1,000 req (user + sys) | Ours | Ours / stack-floor "
    align = "|---|---:|---:|---:|---:"
    if original:
        header += "| Original (its one row, (e)) | **Original / stack-floor** "
        align += "|---:|---:"
    lines = [header + "| stack-floor req/s | stack-floor p50 ms | Its upstream calls per request (create + chat) | Errors |",
             align + "|---:|---:|---|---:|"]
    for stream, turn, concurrency, floor in rows:
        ours = results.phase("nginx", "gateway", turn, concurrency, stream)
        floor_cpu = cpu_per_1000(floor)
        line = "| %s | %d | %s | %s | %s " % (
            LABELS[(stream, turn)], concurrency, cpu_cell(floor), "%.3f" % cpu_per_1000(ours) if ours else "-",
            times(cpu_per_1000(ours) / floor_cpu if ours and floor_cpu else None))
        if original:
            theirs = results.phase("nginx", "original", "first", concurrency, stream)
            line += "| %s | **%s** " % ("%.3f" % cpu_per_1000(theirs) if theirs else "-",
                                        times(cpu_per_1000(theirs) / floor_cpu if theirs and floor_cpu else None))
        wrk = floor["wrk"]
        lines.append(line + "| %.0f | %s | %s | %d |" % (rate(wrk), ms(wrk["p50_us"]), calls_per_request(floor), wrk_errors(wrk)))
    return lines


def floor_stream_table(results, rows):
    original = any(results.scale("original", snapshots, length) for snapshots, length, _ in rows)
    header = ("| Snapshots | Reply (characters) | **stack-floor: CPU ms / request** | stack-floor reading only (one write at the end) "
              "| Ours | Ours / stack-floor ")
    align = "|---:|---:|---:|---:|---:|---:"
    if original:
        header += "| Original | Original / stack-floor "
        align += "|---:|---:"
    lines = [header + "| Failed |", align + "|---:|"]
    for snapshots, length, stack in rows:
        stack_ms = per_request_ms(stack, "cpu_ns")
        reads_ms = per_request_ms(results.scale("stack-reads", snapshots, length), "cpu_ns")
        ours_ms = per_request_ms(results.scale("ours", snapshots, length), "cpu_ns")
        line = "| %d | %s | **%s** | %s | %s | %s " % (
            snapshots, "{:,}".format(length), cell(stack_ms), cell(reads_ms), cell(ours_ms),
            times(ours_ms / stack_ms if ours_ms is not None and stack_ms else None))
        if original:
            theirs_ms = per_request_ms(results.scale("original", snapshots, length), "cpu_ns")
            line += "| %s | %s " % (cell(theirs_ms), times(theirs_ms / stack_ms if theirs_ms is not None and stack_ms else None))
        failed = []
        for name, result in (("relaying", stack), ("reading only", results.scale("stack-reads", snapshots, length))):
            if result and result["failed"]:
                failed.append("%s %d%s" % (name, result["failed"], (" (%s)" % result["problems"][0]) if result.get("problems") else ""))
        lines.append(line + "| %s |" % (", ".join(failed) or "0"))
    long_floor = per_request_ms(results.scale("stack", 400, 20000), "cpu_ns")
    short_floor = per_request_ms(results.scale("stack", 10, 20000), "cpu_ns")
    long_reads = per_request_ms(results.scale("stack-reads", 400, 20000), "cpu_ns")
    short_reads = per_request_ms(results.scale("stack-reads", 10, 20000), "cpu_ns")
    if long_floor and short_floor:
        sentence = ("A reply of 20,000 characters in 400 snapshots costs the floor %.2f ms, %.1f times its 10-snapshot "
                    "figure (%.2f ms)") % (long_floor, long_floor / short_floor, short_floor)
        if long_reads and short_reads:
            sentence += ("; merely reading it, with a single write at the end, %.2f ms, %.1f times (%.2f ms)") % (
                long_reads, long_reads / short_reads, short_reads)
        lines += ["", sentence + "."]
    return lines


FLOOR_NOTE = ("(f) measures the floor of the gateway's own libraries: where a goal lies below it, or the original's "
              "cost is less than five times it, no tuning of the gateway's code can meet it. ")

FLOOR_METHOD = """\
`stack-floor` (`bench/StackFloor`, built with `swift build -c release --product stack-floor`) serves
`POST /v1/chat/completions` on the gateway's own libraries, set up as the gateway sets them up: Hummingbird 2's
HTTP/1 server with an idle timeout, AsyncHTTPClient on the same NIO event loops, Swift concurrency on those loops,
the same connection limit. For each request it reads the body, makes the Graph calls the gateway makes (a first
turn: create, then chat or chatOverStream; a continuing turn, `?turn=continue`: one chat in a conversation made at
its start) and answers with a fixed completion, or, streamed, an opening event, one small event per read from
Graph (the gateway writes at most one per read) and `[DONE]`; **reading only** (`?writes=end`): the same stream
read whole with one event written at the end, what is left of the floor even for a relay that held all text
back. It parses nothing but the new conversation's id, formats nothing, records nothing, logs nothing and has
none of the gateway's middleware or connection guards. A gateway on these libraries that makes these calls and
writes as it reads cannot answer for less CPU, so **Original / stack-floor** is the most that such a gateway
could be below the original, and the stream rows bound what our reading of the snapshots could save. Measured
as ours: the phases of (a) with the same wrk script and budgets (static upstream), and the rows of (c) with
`streaming.py scale --raw` (the same simulators)."""


SCALE_METHOD = """\
Each row: %(n)s streamed chat completions sent one at a time (after %(warm)s unmeasured ones) through the gateway in
front of `copilot-gateway simulate --snapshots N --delay-ms 0`, each a first turn (`hi <unique>`: create, then
chatOverStream), whose reply a `huge` fault (posted to `/_sim/faults` before each request) makes that many
characters long: numbered lines mixing ASCII, Chinese, quotes, a backslash and a tab. Each snapshot repeats the
whole text so far, so the upstream bytes grow with snapshots × characters. **CPU ms / request** is the gateway's
CPU time over the row divided by its requests, read from the process's CPU clock (`clock_gettime` on its
`clock_getcpuclockid`: all threads, exited ones included, nanosecond resolution; /proc/PID/stat's 10 ms ticks are
too coarse for %(n)s requests). The client (`bench/streaming.py`, Python's http.client in its own process) checks that
each stream ends with `[DONE]` and that its deltas add up to the reply's length; its own CPU is shown too.
**Floor**: the same stream read straight from the simulator by a minimal client (POST
`/beta/copilot/conversations`, the fault, POST `.../chatOverStream`, the body read into a buffer, not parsed): the
client's own CPU time for the chatOverStream request and its body (`time.process_time`), the cost of merely
reading the bytes in Python. A gateway also parses every snapshot and writes the deltas, so it cannot reach the
floor; the ratio shows how far above it the gateway is and how that grows with the stream. The simulator and the
clients share the 2 cores with the gateway."""

PACED_METHOD = """\
%(n)s streamed requests one at a time through the gateway and %(n)s straight to the simulator, alternating, each
with a reply of %(length)s characters (a `huge` fault) in %(snapshots)s snapshots %(delay)s ms apart. **TTFT** is the
time from sending the request to the first content: through the gateway the first `data:` chunk whose
`choices[0].delta.content` is not empty; straight from the simulator, from sending the create call (the gateway
makes it too) to the first chatOverStream event whose last message has text. **Gaps** are the times between
consecutive content chunks (straight: events whose text changed), pooled over all requests; a chunk's time is that
of the read that completed it (`bench/streaming.py paced`). Both TTFTs include the create call and the time the
simulator takes before its first event, which varies from request to request by more than a millisecond (its own
work and its timers), so the two TTFT p50s differ by that noise too. **Beyond the simulator's own** pairs each
request with the simulator's own timing: its TTFT less the time from the simulator reading the chatOverStream call
to its writing the first event with text (`receivedAt` in `/_sim/requests`, `lastFirstTextAt` in `/_sim/streams`,
the simulator's clock). What remains is the client's part (the create call, the turn to the chat call, reading the
first event) and, through the gateway, the gateway's; the difference of the two p50s is the gateway's **added time
to first token**, the figure the target uses. Milliseconds."""

SCALE_ORIGINAL = """\
**Original**: the original Python gateway, run as in (e), in front of the same simulator and measured the same way
(its process's CPU clock). It sends each request's message to the one conversation it keeps for the client
(see (e)), so its rows are continuing turns on a long conversation: 1 upstream call per request, where ours
makes 2 (create and chatOverStream). Its CPU includes its uvicorn access-log line per request."""

ORIGINAL_METHOD = """\
`gateway.py` of copilot-chat-gateway (the Python gateway this project replaces), in front of the same nginx upstream
as (a), measured with the same wrk script and CPU accounting (utime + stime of its process from /proc/PID/stat),
%(n1)s requests at concurrency 1 and %(n32)s at 32 after 200 unmeasured non-streamed and 200 streamed ones. It runs
from its own venv (its requirements.txt, unpinned, plus `h2`: its `httpx.AsyncClient(http2=True)` refuses to start
without it and its requirements name plain `httpx`). Its file is unchanged; `bench/original_gateway.py` replaces
`msal.PublicClientApplication` with a stand-in whose silent sign-in returns a fixed token (so its per-request MSAL
account and cache look-up is not counted), and points its `GRAPH` constant at the upstream. **Conversations**: it
sends Copilot only the last user message and keeps one conversation per session key (the request's `user`, an
`x-session-id` header, or else client address and User-Agent) for 15 minutes, so every request here goes to the
same conversation: after the first create it makes 1 upstream call per request (last column), where ours makes 2
for a first turn and 1 for a continuing turn. Both of our rows are compared. Ours keeps the settings of (a)."""


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
