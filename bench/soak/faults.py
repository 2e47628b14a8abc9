"""Random faults injected into the simulator (`POST /_sim/faults`) while the load runs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from soak.client import simple_request


def random_fault(rng) -> dict:
    """One fault of a random kind, with random settings (see the simulator's FaultSet)."""
    kind = rng.choices(
        ["status", "delay", "cut", "malformed", "rewrite", "shrink", "rai", "inbandError", "crlf", "pretty",
         "noTrailingBlankLine", "contentType", "emptyReply", "messy"],
        weights=[30, 8, 8, 5, 5, 5, 4, 6, 4, 4, 3, 3, 5, 3])[0]
    f: dict[str, Any] = {"kind": kind}
    if kind == "status":
        f["status"] = rng.choice([500, 502, 503, 429])
        f["endpoint"] = rng.choice(["create", "chat", "stream", "any"])
        if f["status"] in (429, 503) and rng.random() < 0.6:
            f["retryAfter"] = rng.choice(["1", "2", "0.5"])
        if rng.random() < 0.25:
            f["count"] = 2       # beats the gateway's one retry
    elif kind == "delay":
        f["delayMs"] = rng.choice([200, 500, 1500, 3000])
        f["endpoint"] = rng.choice(["create", "chat", "stream", "any"])
    elif kind == "cut":
        f["afterEvents"] = rng.randint(1, 6)
    elif kind in ("rai", "emptyReply", "messy"):
        f["endpoint"] = rng.choice(["chat", "stream", "any"])
    return f


async def injector(soak) -> None:
    """Faults at --fault-rate per second (Poisson) until the load stops; counted by kind in the stats."""
    if soak.a.fault_rate <= 0:
        return
    while True:
        await asyncio.sleep(soak.rng.expovariate(soak.a.fault_rate))
        if time.monotonic() >= soak.stop_at:
            return
        f = random_fault(soak.rng)
        try:
            status, _, _ = await simple_request(soak.sim, "POST", "/_sim/faults", f, timeout=10)
        except Exception:  # noqa: BLE001
            soak.stats.fault_failures += 1
            continue
        if status == 201:
            label = f["kind"] + (f"{f['status']}" if "status" in f else "") + (
                "+RA" if "retryAfter" in f else "") + (f"@{f['endpoint']}" if "endpoint" in f else "")
            soak.stats.faults[label] += 1
        else:
            soak.stats.fault_failures += 1
