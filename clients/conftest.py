"""Starts the Copilot simulator and the gateway (the real binary) on free loopback ports."""

import asyncio
import contextlib
import os
import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import json
import urllib.error
import urllib.request

import pytest

from contracts.taps import wire_tap

# Every answer a test receives through a gateway of this file is checked against the published API documents
# (contracts/): a wire tap stands in front of each gateway, and a test fails if its traffic broke a contract.
pytest_plugins = ["contracts.plugin"]

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
    """The running simulator and gateway, with helpers to steer the simulator. `base_url` goes through the wire
    tap (so every answer is checked against its contract); `gateway_url` straight to the gateway."""

    def __init__(self, base_url: str, simulator_url: str, gateway_url: str | None = None):
        self.base_url = base_url
        self.simulator_url = simulator_url
        self.gateway_url = gateway_url or base_url
        self.gateway: subprocess.Popen | None = None  # the gateway's process and log, set by running_stack
        self.gateway_log: Path | None = None

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

    def upstream_calls(self) -> list:
        """(endpoint, message text) for every chat turn the gateway sent to Copilot: `chat` or `chatOverStream`."""
        return [
            (r["path"].rsplit("/", 1)[-1], ((r.get("body") or {}).get("message") or {}).get("text", ""))
            for r in self.recorded_requests()
            if r["path"].endswith(("/chat", "/chatOverStream"))
        ]

    def assert_gateway_alive(self) -> None:
        """Fails with the start of the gateway's log (where a crash is reported) if its process has exited."""
        if self.gateway.poll() is not None:
            head = "\n".join(self.gateway_log.read_text(errors="replace").splitlines()[:12])
            pytest.fail(f"the gateway process exited with status {self.gateway.returncode}:\n{head}")

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


def readme_block(heading: str, language: str) -> str:
    """The first ```language code block after `heading` in README.md: the tests load the README's own snippets."""
    text = (ROOT / "README.md").read_text()
    start = text.index(f"\n{heading}\n")
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(text, start)
    assert match, f"README.md has no {language} block after {heading!r}"
    return match.group(1)


def without_microsoft_settings() -> dict:
    return {k: v for k, v in os.environ.items() if k not in (
        "TENANT_ID", "CLIENT_ID", "COPILOT_ACCESS_TOKEN", "GRAPH_BASE_URL", "HOST", "PORT",
        "GATEWAY_API_KEYS", "GATEWAY_API_KEY_FILE", "GATEWAY_ADMIN_KEY",
    )}


# The clients write where they run: MaiBot puts its logs in ./logs, AstrBot its data under $ASTRBOT_ROOT
# (default: the working directory). Run the whole session in a scratch folder, never in the repository.
os.chdir(scratch("cwd"))


@pytest.fixture(scope="module")
def run():
    """Runs a coroutine on one event loop per test module (the clients' HTTP clients stay on their loop)."""
    loop = asyncio.new_event_loop()
    try:
        yield loop.run_until_complete
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


@pytest.fixture(scope="session")
def demo_gateway():
    """`copilot-gateway serve` with no Microsoft settings at all: demo mode on the built-in simulator.
    Yields its URL (through a wire tap) and its log."""
    work = scratch("demo")
    port = free_port()
    env = without_microsoft_settings()
    env.update(STATE_DIR=str(work / "state"))
    log = work / "gateway.log"
    process = subprocess.Popen([str(gateway_binary()), "serve", "--port", str(port)], cwd=work, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
        with wire_tap(port, work) as tap:
            yield f"{tap.url}/v1", log
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def running_stack(name: str, **settings: str):
    """A simulator and a gateway pointed at it (with extra `settings`), on free loopback ports, in scratch folder `name`,
    the gateway behind a wire tap."""
    binary = gateway_binary()
    work = scratch(name)
    simulator_port, gateway_port = free_port(), free_port()
    env = without_microsoft_settings()
    env.update(
        GRAPH_BASE_URL=f"http://127.0.0.1:{simulator_port}",
        COPILOT_ACCESS_TOKEN="client-suite-token",
        STATE_DIR=str(work / "state"),
        LOG_LEVEL="info",
        **settings,
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
        with wire_tap(gateway_port, work) as tap:
            stack = Stack(f"{tap.url}/v1", f"http://127.0.0.1:{simulator_port}", f"http://127.0.0.1:{gateway_port}/v1")
            stack.gateway, stack.gateway_log = processes[1], logs[1]
            yield stack
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def stack():
    with running_stack("stack") as stack:
        yield stack


API_KEY = "client-suite-key-0123456789abcdef"


@pytest.fixture(scope="session")
def keyed_stack():
    """A stack whose gateway requires the API key API_KEY."""
    with running_stack("keyed-stack", GATEWAY_API_KEYS=API_KEY) as stack:
        yield stack


@pytest.fixture
def own_stack(tmp_path):
    """A stack of its own, for a test that may bring the gateway down."""
    with running_stack(f"own-stack-{tmp_path.name}") as stack:
        yield stack


@pytest.fixture(autouse=True)
def clean_simulator(request):
    """Each test starts with no faults and no recorded requests, and fails if it brought a shared gateway down."""
    shared = [request.getfixturevalue(name) for name in ("stack", "keyed_stack") if name in request.fixturenames]
    for stack in shared:
        stack.reset()
    yield
    for stack in shared:
        stack.assert_gateway_alive()
