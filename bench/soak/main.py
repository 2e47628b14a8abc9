"""The soak from start to end: set-up, the load, settling, the history check, the verdict and the report."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import string
import sys
import tempfile
import time
from pathlib import Path

from soak.analysis import Measurements, print_problems, print_summary, read_gateway_log, verdict, write_json
from soak.client import simple_request
from soak.faults import injector
from soak.history import analyse_history
from soak.options import find_binary, parse_args
from soak.processes import Children, Stack, proc_fd_split, proc_fds, proc_rss_kb, sampler, start_stack
from soak.scenarios import Soak

TEMP_DIRS: list[Path] = []   # for the interrupt message


async def run(args, children: Children) -> int:
    try:
        binary = find_binary(args.binary)
    except FileNotFoundError as e:
        print(f"soak: {e}", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    run_id = "".join(random.Random(seed ^ 0x5eed).choice(string.ascii_lowercase) for _ in range(4))
    tmp = Path(tempfile.mkdtemp(prefix="copilot-soak-"))
    TEMP_DIRS.append(tmp)
    print(f"soak: binary {binary}")
    print(f"soak: seed {seed}, run id {run_id}, {args.sessions} sessions of {', '.join(args.dialects)} for "
          f"{args.duration:.0f}s (warm-up {args.warmup:.0f}s), {args.fault_rate}/s faults, temp dir {tmp}")
    try:
        stack = await start_stack(args, binary, tmp, children)
    except RuntimeError as e:
        print(f"soak: set-up failed: {e}; logs in {tmp}", file=sys.stderr)
        return 2
    soak = Soak(args, stack.gw_port, stack.sim_port, random.Random(seed), run_id)
    m = Measurements()
    t0 = time.monotonic()
    phase = {"name": "start"}
    await asyncio.sleep(0.5)
    m.start_rss, m.start_fds = proc_rss_kb(stack.gateway.pid), proc_fds(stack.gateway.pid)
    m.start_other_fds, m.start_database_fds = proc_fd_split(stack.gateway.pid, stack.state_dir)
    sampling = asyncio.create_task(sampler(stack.gateway.pid, t0, args.sample_interval, m.samples, phase))
    phase["name"] = "load"
    await load(args, soak, stack, m, t0)
    phase["name"] = "settle"
    await settle(args, soak, stack, m)
    sampling.cancel()
    if stack.gateway.poll() is not None:
        m.exit_status = stack.gateway.returncode
    history = await analyse_history(soak)
    return report(args, soak, history, m, tmp, {"seed": seed, "binary": str(binary)})


async def load(args, soak: Soak, stack: Stack, m: Measurements, t0: float) -> None:
    """--sessions workers and the fault injector for --duration seconds, with progress lines; a gateway
    that dies ends the load at once (the failure is reported)."""
    m.load_start = time.monotonic() - t0
    soak.stop_at = time.monotonic() + args.duration
    injecting = asyncio.create_task(injector(soak))
    workers = [asyncio.create_task(soak.worker(i)) for i in range(args.sessions)]

    async def progress() -> None:
        while True:
            await asyncio.sleep(max(10.0, min(60.0, args.duration / 6)))
            last = m.samples[-1] if m.samples else None
            st = soak.stats
            per = " ".join(f"{name}={s.turns_ok}" for name, s in st.by.items())
            print(f"soak: t={time.monotonic() - t0:5.0f}s requests={st.total('requests')} turns ok={st.total('turns_ok')} "
                  f"({per}) dropped={st.total('turns_dropped')} faults={sum(st.faults.values())} "
                  f"rss={last.rss_kb if last else '-'}kB fds={last.fds if last else '-'} "
                  f"problems={len(st.problems)} hung={len(st.hung)}", flush=True)

    async def watchdog() -> None:
        while stack.gateway.poll() is None:
            await asyncio.sleep(0.5)
        print(f"soak: the gateway exited with status {stack.gateway.returncode}; stopping", flush=True)
        soak.stop_at = time.monotonic()

    tasks = [asyncio.create_task(progress()), asyncio.create_task(watchdog()), injecting]
    await asyncio.gather(*workers)
    m.load_end = time.monotonic() - t0
    for task in tasks:
        task.cancel()
    for c in list(soak.conns):
        c.close()


async def settle(args, soak: Soak, stack: Stack, m: Measurements) -> None:
    """Pending faults removed; then wait until the fds are back (idle upstream connections close after
    60 s) or --settle runs out."""
    await simple_request(soak.sim, "DELETE", "/_sim/faults", timeout=10)
    pid = stack.gateway.pid
    m.end_load_fds = proc_fds(pid)
    deadline = time.monotonic() + args.settle
    while True:
        m.fds_after = proc_fds(pid)
        m.other_fds_after, m.database_fds_after = proc_fd_split(pid, stack.state_dir)
        if m.fds_back(args) or time.monotonic() >= deadline:
            break
        await asyncio.sleep(1)
    m.settle_seconds = args.settle - max(0.0, deadline - time.monotonic())
    m.rss_after = proc_rss_kb(pid)


def report(args, soak: Soak, history: dict, m: Measurements, tmp: Path, run: dict) -> int:
    log_levels, log_errors = read_gateway_log(tmp / "gateway.log")
    failures = verdict(args, soak, history, m, log_errors)
    print_summary(args, soak, history, m, log_levels)
    print_problems(args, soak, history, log_errors)
    keep = args.keep or bool(failures)
    print(f"logs            {tmp}" + ("" if keep else " (removed)"))
    if failures:
        print("RESULT: FAIL")
        for f in failures:
            print("  - " + f)
    else:
        print("RESULT: PASS")
    if args.json:
        write_json(args.json, run, soak, history, m, failures, log_levels, log_errors, args)
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


def main() -> int:
    args = parse_args(sys.argv[1:])
    children = Children()

    def on_signal(signum, frame):  # noqa: ARG001
        children.stop()
        where = f"; logs in {TEMP_DIRS[-1]}" if TEMP_DIRS else ""
        print(f"\nsoak: interrupted (signal {signum}); simulator and gateway stopped{where}", file=sys.stderr)
        os._exit(130)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return asyncio.run(run(args, children))
    finally:
        children.stop()
