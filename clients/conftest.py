"""Starts the Copilot simulator and the gateway (the real binary) on free loopback ports."""

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import json
import urllib.error
import urllib.request

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()}")


class Stack:
    """The running simulator and gateway, with helpers to steer the simulator."""

    def __init__(self, base_url: str, simulator_url: str):
        self.base_url = base_url
        self.simulator_url = simulator_url

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.simulator_url}{path}", data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def add_fault(self, **fault) -> None:
        self._call("POST", "/_sim/faults", fault)

    def recorded_requests(self) -> list:
        return self._call("GET", "/_sim/requests")

    def reset(self) -> None:
        self._call("DELETE", "/_sim/faults")
        self._call("DELETE", "/_sim/requests")


def gateway_binary() -> Path:
    binary = Path(os.environ.get("COPILOT_GATEWAY_BIN", ROOT / ".build/debug/copilot-gateway"))
    if not binary.exists():
        raise RuntimeError(f"{binary} is missing: run `swift build` first (scripts/test does)")
    return binary


def scratch(name: str) -> Path:
    base = Path(os.environ.get("CLIENT_SUITE_TMP") or tempfile.mkdtemp(prefix="copilot-gateway-clients-"))
    folder = base / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def without_microsoft_settings() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("TENANT_ID", "CLIENT_ID", "COPILOT_ACCESS_TOKEN", "GRAPH_BASE_URL", "HOST", "PORT")}


@pytest.fixture(scope="session")
def demo_gateway():
    """`copilot-gateway serve` with no Microsoft settings at all: demo mode on the built-in simulator."""
    work = scratch("demo")
    port = free_port()
    env = without_microsoft_settings()
    env.update(STATE_DIR=str(work / "state"))
    log = work / "gateway.log"
    process = subprocess.Popen([str(gateway_binary()), "serve", "--port", str(port)], cwd=work, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
        yield f"http://127.0.0.1:{port}/v1", log
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def stack():
    binary = gateway_binary()
    work = scratch("stack")
    simulator_port, gateway_port = free_port(), free_port()
    env = without_microsoft_settings()
    env.update(
        GRAPH_BASE_URL=f"http://127.0.0.1:{simulator_port}",
        COPILOT_ACCESS_TOKEN="client-suite-token",
        STATE_DIR=str(work / "state"),
        LOG_LEVEL="info",
    )
    logs = [work / "simulator.log", work / "gateway.log"]
    commands = [
        [str(binary), "simulate", "--port", str(simulator_port), "--delay-ms", "5"],
        [str(binary), "serve", "--port", str(gateway_port)],
    ]
    processes = []
    try:
        for command, log, url in zip(commands, logs, [f"http://127.0.0.1:{simulator_port}/_sim/faults", f"http://127.0.0.1:{gateway_port}/health"]):
            # The working directory is the scratch folder, so no .env of the developer's is read.
            process = subprocess.Popen(command, cwd=work, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
            processes.append(process)
            wait_until_up(url, process, log)
        yield Stack(f"http://127.0.0.1:{gateway_port}/v1", f"http://127.0.0.1:{simulator_port}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(autouse=True)
def clean_simulator(request):
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").reset()
    yield
