"""The simulator and gateway child processes: starting them, waiting for them, stopping them (also on
Ctrl-C and SIGTERM), and sampling the gateway's RSS and open file descriptors."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from soak.client import HOST, simple_request


class Children:
    """The simulator and gateway processes; killed on exit, also on Ctrl-C and SIGTERM."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
        out = open(log, "wb")
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    proc.terminate()
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def proc_rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


# The conversation database's own fds: the gateway's GRDB pool opens a writer and, as concurrent reads need
# them, up to 5 readers (GRDB's default maximumReaderCount), each with the database file and its WAL, and
# keeps them; all share one -shm. Up to this many are the pool at its size, not a leak.
DATABASE_FD_BOUND = 13


def proc_fd_split(pid: int, state_dir: str) -> tuple[int, int] | tuple[None, None]:
    """The process's open fds other than the database's (files in `state_dir`), and the database's."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None, None
    database = 0
    for name in names:
        try:
            database += os.readlink(f"/proc/{pid}/fd/{name}").startswith(state_dir + os.sep)
        except OSError:
            pass
    return len(names) - database, database



@dataclass
class Sample:
    t: float
    phase: str
    rss_kb: int | None
    fds: int | None


async def sampler(pid: int, t0: float, interval: float, samples: list[Sample], phase: dict) -> None:
    while True:
        samples.append(Sample(time.monotonic() - t0, phase["name"], proc_rss_kb(pid), proc_fds(pid)))
        await asyncio.sleep(interval)


async def wait_ready(port: int, path: str, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            status, _, body = await simple_request(port, "GET", path, timeout=5)
            if status < 500:
                return
            last = f"{status}"
        except Exception as e:  # noqa: BLE001
            last = str(e)
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{what} not ready on port {port} after {timeout:.0f}s ({last})")


# Settings of the caller's shell that would change what the soak measures; the gateway gets its own.
OWN_SETTINGS = ("COPILOT_", "GATEWAY_", "TENANT_ID", "CLIENT_ID", "LOGIN_BASE_URL", "GRAPH_BASE_URL",
                "STATE_DIR", "TOKEN_CACHE", "HOST", "PORT", "LOG_LEVEL")


@dataclass
class Stack:
    """The running simulator and gateway, and the gateway's state directory (its conversation database)."""
    sim_port: int
    gw_port: int
    gateway: subprocess.Popen
    state_dir: str


async def start_stack(args, binary: Path, tmp: Path, children: Children) -> Stack:
    """`copilot-gateway simulate` and `copilot-gateway serve` on free loopback ports, in `tmp`; raises
    RuntimeError when either does not come up."""
    state = tmp / "state"
    state.mkdir()
    sim_port, gw_port = free_port(), free_port()
    while gw_port == sim_port:
        gw_port = free_port()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    sim = children.start([str(binary), "simulate", "--host", HOST, "--port", str(sim_port), "--snapshots",
                          str(args.snapshots), "--delay-ms", str(args.delay_ms), "--log-level", "warning",
                          # every history is checked against the whole log and every conversation
                          "--request-log-limit", "0", "--conversation-limit", "0"],
                         base_env, tmp, tmp / "simulator.log")
    gw_env = dict(base_env, GRAPH_BASE_URL=f"http://{HOST}:{sim_port}", COPILOT_ACCESS_TOKEN="soak-token",
                  STATE_DIR=str(state), PORT=str(gw_port), HOST=HOST, LOG_LEVEL="warning",
                  # All sessions share one caller and one account: the limits meant for a bot's traffic
                  # would turn the soak into a queue (--gateway-env puts them back).
                  COPILOT_MAX_CONCURRENT="1000", GATEWAY_MAX_CONCURRENT_PER_KEY="0",
                  # The conversation map grows, legitimately, up to this cap; a cap the soak reaches
                  # within its warm-up makes RSS growth after it mean a leak, not remembered state.
                  COPILOT_MAX_CONVERSATIONS="500")
    for kv in args.gateway_env:
        k, _, v = kv.partition("=")
        gw_env[k] = v
    await wait_ready(sim_port, "/_sim/faults", sim, "simulator")
    gw = children.start([str(binary), "serve"], gw_env, tmp, tmp / "gateway.log")
    await wait_ready(gw_port, "/healthz", gw, "gateway")
    return Stack(sim_port, gw_port, gw, os.path.realpath(state))
