"""Parts (e) and (f): the original Python gateway, and stack-floor (the floor of the gateway's
libraries), beside ours. The original speaks Chat Completions only, so it is set beside our Chat
Completions rows; stack-floor stands under every dialect (it makes the same Graph calls), so each
dialect's rows have their ratio to it."""

from .results import (DIALECT_LABELS, calls_per_request, cell, cpu_cell, cpu_per_1000, mib, ms, per_request_ms, rate,
                      ratio, times, wrk_errors)
from .static import LABELS, ORDER, calls_note
from .texts import FLOOR_METHOD, ORIGINAL_METHOD

ORIGINAL_ORDER = [(0, "non-streamed (whole)"), (1, "streamed")]


def original_ratios(results):
    """(label, original/ours for first turns, for continuing turns) per row of the static comparison
    (ours: Chat Completions, the original's one dialect)."""
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

        def over(ours):
            return times(cpu_per_1000(theirs) / cpu_per_1000(ours)) if ours and cpu_per_1000(ours) else "-"

        wrk = theirs["wrk"]
        lines.append("| %s | %d | %s | %s | **%s** | %s | **%s** | %.0f | %s | %s | %s | %s | %d |" % (
            label, concurrency, cpu_cell(theirs),
            "%.3f" % cpu_per_1000(first) if first else "-", over(first),
            "%.3f" % cpu_per_1000(second) if second else "-", over(second),
            rate(wrk), "%.0f" % rate(first["wrk"]) if first else "-", ms(wrk["p50_us"]),
            ms(first["wrk"]["p50_us"]) if first else "-", calls_per_request(theirs), wrk_errors(wrk)))
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
        note = calls_note([row[3] for row in static], " of stack-floor's")
        if note:
            lines += [note, ""]
    if streams:
        lines += floor_stream_table(results, streams) + [""]
    return lines


def floor_static_table(results, rows):
    dialects = results.dialects("nginx")
    original = any(results.phase("nginx", "original", "first", concurrency, stream) for stream, _, concurrency, _ in rows)
    header = "| Request | Conc. | stack-floor CPU s / 1,000 req (user + sys) "
    align = "|---|---:|---:"
    for dialect in dialects:
        header += "| Ours, %s | %s / stack-floor " % (DIALECT_LABELS[dialect], DIALECT_LABELS[dialect])
        align += "|---:|---:"
    if original:
        header += "| Original (its one row, (e)) | **Original / stack-floor** "
        align += "|---:|---:"
    lines = [header + "| stack-floor req/s | stack-floor p50 ms | Its upstream calls per request (create + chat) | Errors |",
             align + "|---:|---:|---|---:|"]
    for stream, turn, concurrency, floor in rows:
        floor_cpu = cpu_per_1000(floor)
        line = "| %s | %d | %s " % (LABELS[(stream, turn)], concurrency, cpu_cell(floor))
        for dialect in dialects:
            ours = results.phase("nginx", "gateway", turn, concurrency, stream, dialect)
            line += "| %s | %s " % ("%.3f" % cpu_per_1000(ours) if ours else "-",
                                    times(cpu_per_1000(ours) / floor_cpu if ours and floor_cpu else None))
        if original:
            theirs = results.phase("nginx", "original", "first", concurrency, stream)
            line += "| %s | **%s** " % ("%.3f" % cpu_per_1000(theirs) if theirs else "-",
                                        times(cpu_per_1000(theirs) / floor_cpu if theirs and floor_cpu else None))
        wrk = floor["wrk"]
        lines.append(line + "| %.0f | %s | %s | %d |" % (rate(wrk), ms(wrk["p50_us"]), calls_per_request(floor), wrk_errors(wrk)))
    return lines


def floor_stream_table(results, rows):
    dialects = results.scale_dialects() or ["chat"]
    original = any(results.scale("original", snapshots, length) for snapshots, length, _ in rows)
    header = "| Snapshots | Reply (characters) | **stack-floor: CPU ms / request** | stack-floor reading only (one write at the end) "
    align = "|---:|---:|---:|---:"
    for dialect in dialects:
        header += "| Ours, %s | %s / stack-floor " % (DIALECT_LABELS[dialect], DIALECT_LABELS[dialect])
        align += "|---:|---:"
    if original:
        header += "| Original | Original / stack-floor "
        align += "|---:|---:"
    lines = [header + "| Failed |", align + "|---:|"]
    for snapshots, length, stack in rows:
        stack_ms = per_request_ms(stack, "cpu_ns")
        reads = results.scale("stack-reads", snapshots, length)
        line = "| %d | %s | **%s** | %s " % (
            snapshots, "{:,}".format(length), cell(stack_ms), cell(per_request_ms(reads, "cpu_ns")))
        for dialect in dialects:
            ours_ms = per_request_ms(results.scale("ours", snapshots, length, dialect), "cpu_ns")
            line += "| %s | %s " % (cell(ours_ms), times(ratio(ours_ms, stack_ms)))
        if original:
            theirs_ms = per_request_ms(results.scale("original", snapshots, length), "cpu_ns")
            line += "| %s | %s " % (cell(theirs_ms), times(ratio(theirs_ms, stack_ms)))
        failed = []
        for name, result in (("relaying", stack), ("reading only", reads)):
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
