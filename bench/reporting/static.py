"""Parts (a) and (b): each kind of request, in each API dialect, beside its direct baseline."""

from .counts import calls_problem
from .results import (DIALECT_LABELS, added, calls_per_request, cpu_cell, cpu_per_1000, ms, pair_rate, rate, times,
                      wrk_errors)

LABELS = {
    (0, "first"): "non-streamed, first turn",
    (0, "continue"): "non-streamed, continuing turn",
    (1, "first"): "streamed, first turn",
    (1, "continue"): "streamed, continuing turn",
}
ORDER = [(0, "first"), (0, "continue"), (1, "first"), (1, "continue")]


class Row:
    """One kind of request through the gateway in one dialect, and its direct baseline (the same Graph
    calls whatever the dialect)."""

    def __init__(self, results, upstream, stream, turn, concurrency, dialect="chat"):
        self.gateway = results.phase(upstream, "gateway", turn, concurrency, stream, dialect)
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

    def added_p50_ms(self):
        return (self.gateway["wrk"]["p50_us"] - self.direct_p("p50_us")) / 1000.0


def floor_phase(results, stream, turn, concurrency):
    return results.phase("nginx", "floor", turn, concurrency, stream)


def upstream_table(results, upstream):
    """Rows by kind of request and concurrency, one per dialect; with stack-floor measured (f), each
    row's CPU over the floor's for the same kind of request."""
    dialects = results.dialects(upstream)
    floor = upstream == "nginx" and any(results.phases("floor"))
    header = ("| Request | Conc. | API | Gateway p50 | Direct p50 | **Added p50** | Gateway p99 | Direct p99 | **Added p99** "
              "| Gateway req/s | Direct req/s | Gateway CPU s / 1,000 req (user + sys) ")
    align = "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:"
    if floor:
        header += "| CPU / stack-floor's (f) "
        align += "|---:"
    lines = [header + "| Upstream calls per request (create + chat) | Errors |", align + "|---|---:|"]
    for stream, turn in ORDER:
        for concurrency in (1, 32):
            for dialect in dialects:
                row = Row(results, upstream, stream, turn, concurrency, dialect)
                if row.ok:
                    lines.append(table_row(results, row, stream, turn, concurrency, dialect, floor))
    return "\n".join(lines)


def table_row(results, row, stream, turn, concurrency, dialect, floor):
    wrk = row.gateway["wrk"]
    errors = wrk_errors(wrk) + sum(record["wrk"]["bad"] + record["wrk"]["timeouts"] for record in row.direct)
    line = "| %s | %d | %s | %s | %s | **%s** | %s | %s | **%s** | %.0f | %.0f | %s " % (
        LABELS[(stream, turn)], concurrency, DIALECT_LABELS[dialect],
        ms(wrk["p50_us"]), ms(row.direct_p("p50_us")), added(wrk["p50_us"], row.direct_p("p50_us")),
        ms(wrk["p99_us"]), ms(row.direct_p("p99_us")), added(wrk["p99_us"], row.direct_p("p99_us")),
        rate(wrk), row.direct_rate(), cpu_cell(row.gateway))
    if floor:
        found = floor_phase(results, stream, turn, concurrency)
        floor_cpu = cpu_per_1000(found) if found else None
        line += "| %s " % times(cpu_per_1000(row.gateway) / floor_cpu if floor_cpu else None)
    return line + "| %s | %d |" % (calls_per_request(row.gateway), errors)


def calls_note(records, whose=""):
    """A sentence on the upstream calls of these phases (WHOSE turns: "" for ours, or " of stack-floor's"):
    that each turn made the calls it should, or which phases did not."""
    if not records:
        return None
    problems = []
    for record in records:
        problem = calls_problem(record)
        if problem:
            problems.append("%s, %s, concurrency %d, %s: %s" % (
                DIALECT_LABELS.get(record.get("dialect", "chat"), "?") if record["side"] == "gateway" else "stack-floor",
                "streamed" if record.get("stream") else "non-streamed", record["concurrency"],
                "continuing" if record["call"] == "continue" else "first turn", problem))
    if problems:
        return "**Upstream calls not those of the turns** (the rows are not what they say): " + "; ".join(problems) + "."
    return ("Upstream calls, counted by the upstream: every first turn%s made 1 create and 1 chat call and every "
            "continuing turn 1 chat call and no create (`0 + 1`: it continued its conversation), counting as well the "
            "requests wrk left in flight when a phase ended." % whose)
