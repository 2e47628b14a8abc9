"""The whole Markdown report (bench/RESULTS.md) from run.sh's JSON lines."""

import datetime

from .compare import floor_section, original_section
from .host import machine, relative, versions
from .results import Results, mib
from .static import calls_note, upstream_table
from .streams import paced_section, scale_section
from .targets import targets
from .texts import FLOOR_NOTE, METHOD, METHOD_FLOOR, STREAMS_NOTE, dialects_sentence


def write(results_path, out_path, binary):
    results = Results(results_path)
    text = []
    text += heading(results, binary)
    if results.upstreams():
        info = results.info
        text += ["## How it is measured", "", METHOD % {
            "n1": info.get("n1"), "n32": info.get("n32"), "sim_n1": info.get("sim_n1"), "sim_n32": info.get("sim_n32"),
            "snapshots": info.get("sim_snapshots"), "delay": info.get("sim_delay_ms"),
            "dialects": dialects_sentence(results.dialects("nginx")),
            "floor": METHOD_FLOOR if results.phases("floor") else "",
        }, ""]
    for upstream in results.upstreams():
        text += upstream_section(results, upstream)
    text += streams_section(results)
    for section in (scale_section(results), paced_section(results), original_section(results), floor_section(results)):
        if section:
            text.extend(section)
    text += targets_section(results)
    with open(out_path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(text))


def heading(results, binary):
    info = results.info
    host = machine()
    tools = versions()
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    streamed = results.scale_rows() or results.paced()
    lines = [
        "# Benchmark results", "",
        "Written by `bench/run.sh` on %s. Re-run with `bench/run.sh` (see the usage and the time it takes at the top "
        "of the script). The numbers are from one run on a shared 2-core machine: expect some noise, "
        "most of all in the p99 columns." % now, "",
        "## Machine and tools", "",
        "| | |",
        "|---|---|",
        "| Machine | %d CPUs (`nproc`), %s, %.1f GiB memory |" % (host["nproc"], host["cpu"], host["memory_gib"]),
        "| System | %s, kernel %s |" % (host["distro"], host["kernel"]),
        "| Gateway | release build of commit %s (`%s`); `LOG_LEVEL=%s`, `COPILOT_MAX_CONVERSATIONS=1000000`, "
        "`GATEWAY_MAX_CONCURRENT_PER_KEY=0` and `COPILOT_MAX_CONCURRENT=100000` (its admission limits lifted)%s, "
        "state in SQLite under a temporary `STATE_DIR` on disk |" % (
            tools["commit"], relative(binary), info.get("log_level", "info"),
            (", " + ", ".join("`%s`" % item for item in info["gateway_env"].split())) if info.get("gateway_env") else ""),
        "| Swift | %s |" % tools["swift"],
        "| nginx | %s, %s worker process |" % (tools["nginx"], info.get("nginx_workers", 1)),
        "| wrk | %s, one thread |" % tools["wrk"],
    ]
    if streamed:
        lines.append("| Python | %s (only for the clients of open_streams.py and streaming.py, and this report) |" % tools["python"])
    else:
        lines.append("| Python | %s (only for the open-streams client and this report) |" % tools["python"])
    if info.get("original_sha256"):
        packages = info.get("original_packages", {})
        lines.append("| Original gateway | `gateway.py` (sha256 %s…) of copilot-chat-gateway on Python %s, run as its service "
                     "file does (`uvicorn gateway:app`: one process, %s, %s, access log at info) with %s |" % (
                         info["original_sha256"], info.get("original_python", "?"),
                         "uvloop" if "uvloop" in packages else "asyncio", "httptools" if "httptools" in packages else "h11",
                         ", ".join("%s %s" % item for item in sorted(packages.items()))))
    if info.get("floor_binary"):
        lines.append("| Stack floor | `stack-floor` (`bench/StackFloor`), release build of %s (`%s`) |" % (
            info.get("floor_built", "?"), relative(info["floor_binary"])))
    threads = results.rss("nginx", "after")
    if threads:
        lines.append("| Threads | gateway %d (NIO event loops and Swift's cooperative pool), nginx 1 worker, wrk 1, "
                     "simulator %s; no CPU pinning: all share the 2 cores |" % (
                         threads["threads"], info.get("simulator_threads", "-")))
    return lines + [""]


def upstream_section(results, upstream):
    info = results.info
    if upstream == "nginx":
        lines = ["## (a) Static upstream (nginx)"]
    else:
        lines = ["## (b) Simulator (`copilot-gateway simulate --snapshots %s --delay-ms %s`)" % (
            info.get("sim_snapshots"), info.get("sim_delay_ms"))]
    lines += ["", "Latencies in milliseconds. \"Added\" is the gateway's p50 (p99) minus the direct p50 (p99) of the "
              "same Graph calls in the same run. Each kind of request has a row per API dialect measured.", "",
              upstream_table(results, upstream), ""]
    note = calls_note([record for record in results.phases("gateway") if record["upstream"] == upstream])
    if note:
        lines += [note, ""]
    memory = [results.rss(upstream, when) for when in ("idle", "warm", "after")]
    if all(memory):
        lines += ["Gateway RSS (anonymous memory in brackets; the rest is mapped code and data of the binary and of "
                  "the Swift, Foundation and ICU libraries): %s idle (just started), %s after the warm-up, %s after "
                  "the run." % tuple("%s (%s)" % (mib(record["kib"]), mib(record.get("anon_kib", 0))) for record in memory), ""]
    return lines


def streams_section(results):
    streams = results.streams()
    if not streams:
        return []
    info = results.info
    result = streams["result"]
    lines = ["## Open streams", "", (
        "%d streamed requests opened at once against a gateway in front of a slow simulator (`--snapshots %s "
        "--delay-ms %s`, a reply of about %s s), held for %s s: %d connections open, %d had the response "
        "headers and %d a first `data:` event when the hold ended. Gateway RSS: %s before, **%s at the "
        "peak**, %s at the end of the hold, %s a second after the clients closed. The gateway had %d threads.") % (
        result["requested"], info.get("slow_snapshots"), info.get("slow_delay_ms"),
        int(info.get("slow_snapshots", 0)) * int(info.get("slow_delay_ms", 0)) // 1000, result["hold_seconds"],
        result["opened"], result["with_headers"], result["with_data"], mib(result["rss_before_kib"]),
        mib(result["rss_peak_kib"]), mib(result["rss_end_kib"]), mib(result["rss_after_close_kib"]),
        streams["threads"]), ""]
    if result["with_data"] < result["requested"]:
        lines += [STREAMS_NOTE, ""]
    return lines


def targets_section(results):
    measured = targets(results)
    if not measured:
        return []
    lines = ["## Targets (this machine, same run)", "", "| Target | Goal | Measured | |", "|---|---|---|---|"]
    for name, goal, detail, met in measured:
        lines.append("| %s | %s | %s | %s |" % (name, goal, detail, "met" if met else "**missed**"))
    lines += ["", "Where a target is missed, [PROFILE.md](PROFILE.md) shows where the gateway's CPU time goes (`bench/profile.sh`). "
              "In short: after the hot-path fixes the cost is spread over the stack (NIO's channels and the kernel's socket work, "
              "AsyncHTTPClient, Hummingbird); no single fix is left that reaches the CPU and latency targets. On a long stream, "
              "each snapshot costs one read from Graph, one write to the client and the thread wake-ups between them. "
              + (FLOOR_NOTE if floor_section(results) else "") +
              "Idle RSS is mostly code mapped from the Swift, Foundation and ICU libraries "
              "(only about 3.5 MiB is anonymous memory), and each open stream holds a client connection, an upstream connection "
              "and its tasks (about 80 KiB).", ""]
    return lines
