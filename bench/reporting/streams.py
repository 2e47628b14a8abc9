"""Parts (c) and (d): streaming cost by reply size in each dialect, and the paced stream."""

from .results import DIALECT_LABELS, cell, per_request_ms, ratio, times
from .texts import PACED_METHOD, SCALE_METHOD, SCALE_ORIGINAL


def scale_section(results):
    rows = results.scale_rows()
    if not rows:
        return None
    info = results.info
    dialects = results.scale_dialects() or ["chat"]
    original = any(results.scale("original", snapshots, length) for snapshots, length in rows)
    lines = ["## (c) Streaming cost by reply size", ""]
    lines.append(SCALE_METHOD % {"n": info.get("scale_n", "?"), "warm": info.get("scale_warm", "?"),
                                 "dialects": ", ".join(DIALECT_LABELS[name] for name in dialects)})
    if original:
        lines.append("")
        lines.append(SCALE_ORIGINAL)
    lines.append("")
    header = "| Snapshots | Reply (characters) | API | **Ours: CPU ms / request** | Floor: client CPU ms / request | Ours / floor "
    align = "|---:|---:|---|---:|---:|---:"
    if original:
        header += "| Original: CPU ms / request | **Original / ours** "
        align += "|---:|---:"
    header += "| Upstream KiB / request | Ours: client CPU ms / request | Failed |"
    align += "|---:|---:|---:|"
    lines += [header, align]
    for snapshots, length in rows:
        for dialect in dialects:
            lines.append(scale_row(results, snapshots, length, dialect, original))
    lines.append("")
    return lines


def scale_row(results, snapshots, length, dialect, original):
    ours = results.scale("ours", snapshots, length, dialect)
    floor = results.scale("floor", snapshots, length)
    # The original speaks Chat Completions only: it is set beside that row.
    theirs = results.scale("original", snapshots, length) if dialect == "chat" else None
    ours_ms = per_request_ms(ours, "cpu_ns")
    floor_ms = per_request_ms(floor, "client_cpu_ns")
    line = "| %d | %s | %s | **%s** | %s | %s " % (
        snapshots, "{:,}".format(length), DIALECT_LABELS[dialect], cell(ours_ms), cell(floor_ms, "%.3f"),
        times(ratio(ours_ms, floor_ms)))
    if original:
        theirs_ms = per_request_ms(theirs, "cpu_ns")
        line += "| %s | **%s** " % (cell(theirs_ms), times(ratio(theirs_ms, ours_ms)))
    failed = []
    for name, result in (("ours", ours), ("original", theirs), ("floor", floor)):
        if result and result["failed"]:
            failed.append("%s %d%s" % (name, result["failed"], (" (%s)" % result["problems"][0])
                                       if result.get("problems") else ""))
    if ours is None:
        failed.append("not measured")
    return line + "| %s | %s | %s |" % (
        cell(floor["bytes"] / 1024.0 / floor["requests"] if floor and floor["requests"] else None, "%.0f"),
        cell(per_request_ms(ours, "client_cpu_ns")), ", ".join(failed) or "0")


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
