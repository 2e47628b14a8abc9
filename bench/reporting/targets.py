"""The project's targets, each measured: on the static upstream (a) in every dialect measured, in (c)
in every dialect measured, on the paced stream (d) and for memory; with stack-floor's figure (f) beside
each where it was measured, and the original's (e) beside our Chat Completions rows."""

from .compare import floor_ratios, original_ratios
from .results import DIALECT_LABELS, cpu_per_1000, mib, per_request_ms, rate, times
from .static import LABELS, ORDER, Row
from .streams import paired_added_ttft


def targets(results):
    """(name, goal, measured, met) for each target of the issue."""
    out = []
    dialects = results.dialects("nginx") or ["chat"]

    def grouped(groups, fmt, unit):
        """'Chat Completions: a 1, b 2; Responses: …' (without the dialect's name when it is the only one)."""
        parts = []
        for name, values in groups:
            values = [(label, value) for label, value in values if value is not None]
            if values:
                text = ", ".join(("%s " + fmt + "%s") % (label, value, unit) for label, value in values)
                parts.append(text if name is None else "%s: %s" % (name, text))
        return "; ".join(parts)

    def check(name, groups, limit, unit, fmt="%.3f", floor=()):
        values = [value for _, pairs in groups for _, value in pairs if value is not None]
        if not values:
            return
        detail = grouped(groups, fmt, " " + unit)
        floor_text = grouped([(None, floor)], fmt, " " + unit)
        if floor_text:
            detail += "; stack floor (f): " + floor_text
        out.append((name, "under " + (fmt % limit) + " " + unit, detail, all(value < limit for value in values)))

    def label(dialect):
        return DIALECT_LABELS[dialect] if named(dialects) else None

    def added_p50(stream, turn, dialect="chat", side="gateway"):
        found = Row(results, "nginx", stream, turn, 1, dialect)
        if side == "floor" and found.direct and all(found.direct):
            measured = results.phase("nginx", "floor", turn, 1, stream)
            return (measured["wrk"]["p50_us"] - found.direct_p("p50_us")) / 1000.0 if measured else None
        return found.added_p50_ms() if found.ok else None

    def cpu(stream, turn, dialect="chat", side="gateway"):
        found = results.phase("nginx", side, turn, 32, stream, dialect)
        return cpu_per_1000(found) if found else None

    for stream, name, limit in ((0, "non-streamed", 0.3), (1, "streamed", 0.4)):
        check("Added p50 at concurrency 1, " + name, [
            (label(dialect), [("continuing", added_p50(stream, "continue", dialect)), ("first turn", added_p50(stream, "first", dialect))])
            for dialect in dialects], limit, "ms",
            floor=[("continuing", added_p50(stream, "continue", side="floor")), ("first turn", added_p50(stream, "first", side="floor"))])
    for stream, name, limit in ((0, "non-streamed", 0.25), (1, "streamed", 0.35)):
        check("Gateway CPU per 1,000 %s requests (concurrency 32)" % name, [
            (label(dialect), [("continuing", cpu(stream, "continue", dialect)), ("first turn", cpu(stream, "first", dialect))])
            for dialect in dialects], limit, "s",
            floor=[("continuing", cpu(stream, "continue", side="floor")), ("first turn", cpu(stream, "first", side="floor"))])

    groups = []
    for dialect in dialects:
        rates = []
        for stream, turn in ORDER:
            found = Row(results, "nginx", stream, turn, 32, dialect)
            if found.ok:
                rates.append((LABELS[(stream, turn)], rate(found.gateway["wrk"])))
        groups.append((label(dialect), rates))
    values = [value for _, rates in groups for _, value in rates]
    if values:
        out.append(("Requests/s at concurrency 32", "at least 3,000", grouped(groups, "%.0f", ""),
                    all(value >= 3000 for value in values)))

    original_target(results, out)
    scale_targets(results, out)
    paced = results.paced()
    if paced:
        added_ttft = paired_added_ttft(paced["result"])
        added_gap = paced["result"]["gateway"]["gap_p99_ms"] - paced["result"]["direct"]["gap_p99_ms"]
        out.append(("Paced stream: added time to first token (p50) and added p99 gap (d)", "each under 1 ms",
                    "%.2f ms and %.2f ms" % (added_ttft, added_gap), added_ttft < 1 and added_gap < 1))
    memory_targets(results, out)
    return out


def named(dialects):
    """Whether the figures name their dialect: unless Chat Completions is the only one (as in the runs
    from before the other dialects were measured)."""
    return list(dialects) != ["chat"]


def original_target(results, out):
    ratios = original_ratios(results)
    if not ratios:
        return
    values = [value for _, first, second in ratios for value in (first, second) if value is not None]
    detail = "; ".join("%s %s (first turn), %s (continuing)" % (
        label, times(first), times(second)) for label, first, second in ratios)
    reachable = floor_ratios(results)
    if reachable:
        detail += ". The most any gateway on these libraries could reach (original / stack floor, (f)): " + "; ".join(
            "%s %s (first turn), %s (continuing)" % (label, times(first), times(second)) for label, first, second in reachable)
    out.append(("Gateway CPU per request against the original gateway's", "at least 5 times below in every row",
                "original / ours (Chat Completions, the original's one dialect): " + detail,
                bool(values) and all(value >= 5 for value in values)))


def scale_targets(results, out):
    """The targets of (c): 20,000 characters in 400 snapshots, in every dialect measured."""
    dialects = [dialect for dialect in (results.scale_dialects() or ["chat"])
                if results.scale("ours", 400, 20000, dialect)]
    if not dialects:
        return
    several = len(dialects) > 1

    def name(dialect):
        return DIALECT_LABELS[dialect] + " " if named(dialects) else ""

    long = {dialect: per_request_ms(results.scale("ours", 400, 20000, dialect), "cpu_ns") for dialect in dialects}
    short = {dialect: per_request_ms(results.scale("ours", 10, 20000, dialect), "cpu_ns") for dialect in dialects}
    stack_long = per_request_ms(results.scale("stack", 400, 20000), "cpu_ns")
    reads_long = per_request_ms(results.scale("stack-reads", 400, 20000), "cpu_ns")
    out.append(("Streamed reply of 20,000 characters in 400 snapshots, gateway CPU per request (c)", "at most 20 ms",
                "%s%s%s" % (", ".join("%s%.2f ms" % (name(dialect), long[dialect]) for dialect in dialects),
                            "; the stack floor (f) %.2f ms" % stack_long if stack_long else "",
                            ", reading only %.2f ms" % reads_long if reads_long else ""),
                all(value <= 20 for value in long.values())))
    paired = [dialect for dialect in dialects if short[dialect]]
    if not paired:
        return
    floor_detail = ""
    if stack_long:
        least = min(short[dialect] for dialect in paired)
        floor_detail = ("; no gateway that writes as it reads costs less than the stack floor's %.2f ms at 400 "
                        "snapshots (f), so 2.5 times would take at least %.2f ms at 10 snapshots, %.1f times ours%s") % (
            stack_long, stack_long / 2.5, stack_long / 2.5 / least, " (the least of the dialects)" if several else "")
        if reads_long:
            floor_detail += "; even reading only (%.2f ms), at least %.2f ms" % (reads_long, reads_long / 2.5)
    out.append(("The same in 400 snapshots against 10 snapshots (c)", "at most 2.5 times",
                "%s%s" % (", ".join("%s%.1f times (%.2f ms against %.2f ms)" % (
                    name(dialect), long[dialect] / short[dialect], long[dialect], short[dialect]) for dialect in paired),
                    floor_detail),
                all(long[dialect] <= 2.5 * short[dialect] for dialect in paired)))


def memory_targets(results, out):
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
