"""The soak's command line, and the binary it runs."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from soak.dialects import DIALECTS

REPO = Path(__file__).resolve().parent.parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Soak copilot-gateway with many sessions of its three APIs and random simulator faults.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--binary", default=os.environ.get("COPILOT_GATEWAY_BIN"),
                   help="copilot-gateway binary (default: $COPILOT_GATEWAY_BIN, else .build-release/release, "
                        ".build/release or .build/debug in the repository)")
    p.add_argument("--sessions", type=int, default=50, help="concurrent sessions")
    p.add_argument("--dialects", default=",".join(DIALECTS),
                   help="the APIs the sessions speak, in turn: comma-separated from " + ", ".join(DIALECTS))
    p.add_argument("--duration", type=float, default=600, help="seconds of load")
    p.add_argument("--warmup", type=float, default=None,
                   help="seconds before the RSS baseline is taken (default: duration/5, 10..120)")
    p.add_argument("--settle", type=float, default=75,
                   help="seconds to wait after the load for fds to return (the gateway's HTTP client keeps idle "
                        "upstream connections for 60 s)")
    p.add_argument("--fault-rate", type=float, default=1.0, help="faults injected per second (0: none)")
    p.add_argument("--tool-fraction", type=float, default=0.2, help="share of sessions that offer a tool")
    p.add_argument("--abort-rate", type=float, default=0.02,
                   help="share of streamed requests the client abandons mid-stream")
    p.add_argument("--min-turns", type=int, default=3)
    p.add_argument("--max-turns", type=int, default=10, help="turns per conversation before a session starts a new one")
    p.add_argument("--think-ms", type=float, default=150, help="mean pause between a session's requests")
    p.add_argument("--timeout", type=float, default=90, help="seconds after which a request counts as hung")
    p.add_argument("--max-attempts", type=int, default=5, help="attempts per turn before the turn is dropped")
    p.add_argument("--rss-limit", type=float, default=10.0, help="allowed RSS growth after warm-up, percent")
    p.add_argument("--fd-margin", type=int, default=3, help="allowed open fds above the start value after settling (besides the conversation database's, which its connection pool bounds)")
    p.add_argument("--sample-interval", type=float, default=2.0, help="seconds between RSS/fd samples")
    p.add_argument("--snapshots", type=int, default=8, help="simulator --snapshots")
    p.add_argument("--delay-ms", type=int, default=10, help="simulator --delay-ms")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    p.add_argument("--gateway-env", action="append", default=[], metavar="NAME=VALUE",
                   help="extra environment for the gateway (repeatable), e.g. COPILOT_MAX_CONVERSATIONS=500")
    p.add_argument("--allow-log-errors", action="store_true",
                   help="do not fail on error/critical lines in the gateway log")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, state)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("--verbose", "-v", action="store_true", help="print every problem, not only the first few")
    a = p.parse_args(argv)
    if a.warmup is None:
        a.warmup = max(10.0, min(120.0, a.duration / 5))
    if a.sessions < 1 or a.duration <= 0 or a.min_turns < 1 or a.max_turns < a.min_turns:
        p.error("need --sessions >= 1, --duration > 0, 1 <= --min-turns <= --max-turns")
    if a.warmup >= a.duration:
        p.error("--warmup must be shorter than --duration")
    a.dialects = [d.strip() for d in a.dialects.split(",") if d.strip()]
    if not a.dialects or any(d not in DIALECTS for d in a.dialects) or len(set(a.dialects)) != len(a.dialects):
        p.error(f"--dialects takes distinct names from {', '.join(DIALECTS)}")
    return a


def find_binary(explicit: str | None) -> Path:
    candidates = [explicit] if explicit else [
        str(REPO / ".build-release/release/copilot-gateway"),
        str(REPO / ".build/release/copilot-gateway"),
        str(REPO / ".build/debug/copilot-gateway"),
    ]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return Path(c)
    raise FileNotFoundError(f"no copilot-gateway binary found (tried {', '.join(filter(None, candidates))}); pass --binary")
