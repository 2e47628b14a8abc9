"""After the load: the gateway's log, the verdict (every check, each failure with its reason), and the
report (the summary on stdout, per dialect, and the numbers as JSON with --json)."""

from __future__ import annotations

import collections
import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from soak.attempts import PREVIOUS_GONE
from soak.dialects import DIALECTS
from soak.processes import DATABASE_FD_BOUND, Sample

NOT_HTTP = {"hung", "malformed", "transport"}


@dataclass
class Measurements:
    """What the run measured of the gateway process, and when the load ran (seconds from the start)."""
    samples: list[Sample] = field(default_factory=list)
    load_start: float = 0.0
    load_end: float = 0.0
    start_rss: int | None = None
    start_fds: int | None = None
    start_other_fds: int | None = None      # besides the conversation database's
    start_database_fds: int | None = None
    end_load_fds: int | None = None
    fds_after: int | None = None
    other_fds_after: int | None = None
    database_fds_after: int | None = None
    rss_after: int | None = None
    settle_seconds: float = 0.0
    exit_status: int | None = None   # the gateway's, if it exited during the run

    def fds_back(self, args) -> bool:
        """The fds besides the database's at most --fd-margin above the start, the database's within its pool's bound."""
        return (self.other_fds_after is not None and self.start_other_fds is not None
                and self.other_fds_after <= self.start_other_fds + args.fd_margin and self.database_fds_after <= DATABASE_FD_BOUND)

    def rss_window(self, args) -> tuple[int | None, int | None, float]:
        """The median RSS just after warm-up and at the end of the load, and the growth between them in percent."""
        span = max(10.0, 3 * args.sample_interval)
        warm = args.warmup + self.load_start
        base = window_median(self.samples, warm, warm + span, "rss_kb")
        end = window_median(self.samples, self.load_end - span, self.load_end, "rss_kb")
        growth = (100.0 * (end - base) / base) if base and end else float("nan")
        return base, end, growth


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def window_median(samples: list[Sample], start: float, end: float, attr: str) -> int | None:
    vals = [getattr(s, attr) for s in samples if start <= s.t <= end and getattr(s, attr) is not None]
    return int(statistics.median(vals)) if vals else None


def read_gateway_log(path: Path) -> tuple[collections.Counter, collections.Counter]:
    """Lines by level, and the error/critical messages grouped (without the timestamp and ids)."""
    levels: collections.Counter = collections.Counter()
    errors: collections.Counter = collections.Counter()
    try:
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split(" ", 2)
            level = parts[1] if len(parts) > 2 else "?"
            levels[level] += 1
            if level in ("error", "critical"):
                errors[re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", parts[2])[:240]] += 1
    except OSError:
        pass
    return levels, errors


def unexpected_statuses(soak) -> dict[str, dict]:
    """Per dialect, the statuses no fault explains (the dialect's own, 200, and what is no HTTP status)."""
    out = {}
    for name, st in soak.stats.by.items():
        allowed = {200, PREVIOUS_GONE} | set(DIALECTS[name].statuses) | NOT_HTTP
        bad = {s: n for s, n in st.status.items() if s not in allowed}
        if bad:
            out[name] = bad
    return out


def verdict(args, soak, history: dict, m: Measurements, log_errors: collections.Counter) -> list[str]:
    st = soak.stats
    _, _, growth = m.rss_window(args)
    failures: list[str] = []
    if m.exit_status is not None:
        failures.append(f"the gateway exited during the run (status {m.exit_status})")
    if st.problems:
        failures.append(f"{len(st.problems)} malformed or wrong replies / transport failures")
    if st.hung:
        failures.append(f"{len(st.hung)} requests hung past {args.timeout:.0f}s")
    if history["mixed"]:
        failures.append(f"{len(history['mixed'])} Copilot conversations mixed sessions")
    if history["inconsistent"] or history["problems"]:
        failures.append(f"{len(history['inconsistent']) + len(history['problems'])} history inconsistencies")
    if not (growth <= args.rss_limit):
        failures.append(f"RSS grew {growth:.1f}% after warm-up (limit {args.rss_limit}%)")
    if not m.fds_back(args):
        failures.append(f"open fds after {m.settle_seconds:.0f}s settling: {m.other_fds_after} besides the conversation "
                        f"database's (start {m.start_other_fds}, margin {args.fd_margin}) and {m.database_fds_after} of the "
                        f"database (at most {DATABASE_FD_BOUND})")
    if log_errors and not args.allow_log_errors:
        failures.append(f"{sum(log_errors.values())} error/critical lines in the gateway log")
    for name, s in st.by.items():
        if s.turns_ok == 0:
            failures.append(f"no {DIALECTS[name].title} turn succeeded")
    for name, bad in unexpected_statuses(soak).items():
        failures.append(f"unexpected HTTP statuses ({DIALECTS[name].title}) {bad}")
    return failures


def fmt_counter(c: collections.Counter) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))) or "-"


def mb(kb: int | None) -> str:
    return f"{kb / 1024:.1f} MB" if kb else "-"


def group_faults(c: collections.Counter) -> collections.Counter:
    """Fault labels without the endpoint, for the summary."""
    out: collections.Counter = collections.Counter()
    for k, v in c.items():
        out[k.split("@")[0]] += v
    return out


def dialect_lines(soak, history: dict, seconds: float) -> list[str]:
    """The summary's part per dialect: load, outcomes, statuses, codes, finishes, latency, history, extras."""
    lines = []
    for name, s in soak.stats.by.items():
        sessions = [x for x in soak.sessions if x.dialect == name]
        h, lat = history["per_dialect"][name], s.latencies
        lines += [
            f"--- {DIALECTS[name].title} ({name}, {DIALECTS[name].path}) ---",
            f"  load          {s.requests} requests ({s.requests / max(1e-9, seconds):.1f}/s), {len(sessions)} conversations "
            f"({sum(1 for x in sessions if x.tools)} with a tool); turns ok {s.turns_ok}, dropped {s.turns_dropped}",
            f"  outcomes      {fmt_counter(s.outcomes)}",
            f"  HTTP status   {fmt_counter(s.status)}",
            f"  error codes   {fmt_counter(s.codes)}",
            f"  finish        {fmt_counter(s.finish)}; keep-alives {s.keepalives}",
            f"  latency       p50 {pct(lat, 0.5) * 1000:.0f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms, max {max(lat, default=0) * 1000:.0f} ms",
            f"  history       {h['conversations']} Copilot conversations; first turns {h['first_turns']} (seeded with history "
            f"checked: {h['seeded_checked']}), continuing turns {h['continuing_turns']} (sent only the new message); "
            f"restarts after an abandoned attempt {h['restarts_after_abort']}; correction turns {h['corrections']}; "
            f"inconsistent {h['inconsistent']}; problems {s.problems}",
        ]
        if s.extra:
            lines.append(f"  {name:13} {fmt_counter(s.extra)}")
    return lines


def print_summary(args, soak, history: dict, m: Measurements, log_levels: collections.Counter) -> None:
    st = soak.stats
    rss_base, rss_end, growth = m.rss_window(args)
    samples = m.samples
    rss_series = [s.rss_kb for s in samples if s.rss_kb]
    fd_series = [s.fds for s in samples if s.fds is not None]
    seconds = m.load_end - m.load_start
    requests, lat = st.total("requests"), st.latencies
    thinned = samples[:: max(1, len(samples) // 20)]
    print()
    print("=== soak summary ===")
    print(f"load            {seconds:.0f}s, {args.sessions} concurrent sessions, dialects {', '.join(args.dialects)}, "
          f"{len(soak.sessions)} conversations ({sum(1 for s in soak.sessions if s.tools)} with a tool)")
    print(f"requests        {requests} ({requests / max(1e-9, seconds):.1f}/s); turns ok {st.total('turns_ok')}, dropped after "
          f"{args.max_attempts} attempts {st.total('turns_dropped')} of {st.total('turns_ok') + st.total('turns_dropped')}")
    print(f"latency         p50 {pct(lat, 0.5) * 1000:.0f} ms, p99 {pct(lat, 0.99) * 1000:.0f} ms, "
          f"max {max(lat, default=0) * 1000:.0f} ms")
    for line in dialect_lines(soak, history, seconds):
        print(line)
    print(f"faults          {sum(st.faults.values())} injected ({st.fault_failures} not accepted): "
          f"{fmt_counter(group_faults(st.faults))}")
    print(f"history         {history['conversations']} Copilot conversations, {history['chat_requests']} chat "
          f"requests, {history['creates']} creates; first turns {history['first_turns']} "
          f"(seeded with history checked: {history['seeded_checked']}), continuing turns "
          f"{history['continuing_turns']} (sent only the new message); restarts after an abandoned attempt "
          f"{history['restarts_after_abort']}; gateway correction turns {history['corrections']}; "
          f"mixed {len(history['mixed'])}; inconsistent {len(history['inconsistent'])}; "
          f"log read in {history['fetch_seconds']:.1f}s")
    print(f"RSS             start {mb(m.start_rss)}, after warm-up {mb(rss_base)}, end of load {mb(rss_end)} "
          f"(growth {growth:+.1f}%, limit {args.rss_limit}%), peak {mb(max(rss_series, default=None))}, after settling "
          f"{mb(m.rss_after)}; min/max under load {mb(min(rss_series, default=0))}/{mb(max(rss_series, default=0))}")
    print(f"open fds        start {m.start_fds}, end of load {m.end_load_fds}, after {m.settle_seconds:.0f}s settling "
          f"{m.fds_after}; max {max(fd_series, default='-')}; besides the conversation database's: start "
          f"{m.start_other_fds}, after settling {m.other_fds_after} (margin {args.fd_margin}); the database's (its "
          f"connection pool): start {m.start_database_fds}, after settling {m.database_fds_after} (at most {DATABASE_FD_BOUND})")
    print(f"series          {len(samples)} samples every {args.sample_interval:g}s; RSS MB: "
          + " ".join(f"{s.rss_kb / 1024:.0f}" for s in thinned if s.rss_kb) + "; fds: " + " ".join(str(s.fds) for s in thinned))
    print(f"gateway log     {fmt_counter(log_levels)}")


def print_problems(args, soak, history: dict, log_errors: collections.Counter) -> None:
    limit = None if args.verbose else 8
    for title, items in (("malformed/wrong replies", soak.stats.problems), ("hung requests", soak.stats.hung),
                         ("mixed conversations", history["mixed"]),
                         ("history inconsistencies", history["inconsistent"] + history["problems"]),
                         ("gateway log errors", [f"{n}x {m}" for m, n in log_errors.most_common()])):
        if items:
            print(f"--- {title} ({len(items)}) ---")
            for line in items[:limit]:
                print("  " + line)
            if limit and len(items) > limit:
                print(f"  ... {len(items) - limit} more (--verbose shows all)")


def write_json(path: str, run: dict, soak, history: dict, m: Measurements, failures: list[str],
               log_levels: collections.Counter, log_errors: collections.Counter, args) -> None:
    st = soak.stats
    rss_base, rss_end, growth = m.rss_window(args)
    per_dialect = {name: {"requests": s.requests, "turns_ok": s.turns_ok, "turns_dropped": s.turns_dropped,
                          "outcomes": dict(s.outcomes), "status": {str(k): v for k, v in s.status.items()},
                          "codes": dict(s.codes), "finish": dict(s.finish), "extra": dict(s.extra), "problems": s.problems,
                          "latency_p50": pct(s.latencies, 0.5), "latency_p99": pct(s.latencies, 0.99),
                          "history": history["per_dialect"][name]} for name, s in st.by.items()}
    Path(path).write_text(json.dumps(dict(run, **{
        "requests": st.total("requests"), "turns_ok": st.total("turns_ok"), "turns_dropped": st.total("turns_dropped"),
        "outcomes": dict(st.merged("outcomes")), "status": {str(k): v for k, v in st.merged("status").items()},
        "codes": dict(st.merged("codes")), "faults": dict(st.faults), "dialects": per_dialect,
        "latency_p50": pct(st.latencies, 0.5), "latency_p99": pct(st.latencies, 0.99),
        "rss_kb": {"start": m.start_rss, "after_warmup": rss_base, "end_of_load": rss_end,
                   "peak": max((s.rss_kb for s in m.samples if s.rss_kb), default=None),
                   "after_settle": m.rss_after, "growth_percent": growth},
        "fds": {"start": m.start_fds, "end_of_load": m.end_load_fds, "after_settle": m.fds_after,
                "start_besides_database": m.start_other_fds, "after_settle_besides_database": m.other_fds_after,
                "start_database": m.start_database_fds, "after_settle_database": m.database_fds_after},
        "samples": [s.__dict__ for s in m.samples], "history": history,
        "problems": st.problems, "hung": st.hung, "failures": failures,
        "gateway_log_levels": dict(log_levels), "gateway_log_errors": dict(log_errors),
    }), indent=1, default=str))
