"""The test side of the wire taps: `wire_tap(port, folder)` starts one in front of the gateway on `port` (its
own process, logging to folder/wire-tap.log) and stops it after; `WireTap.sync` fetches what it found so far.
Every running tap is in `RUNNING`, where contracts.plugin finds them."""

import contextlib
import json
import select
import subprocess
import sys
from pathlib import Path

from contracts import specs

CLIENTS = Path(__file__).resolve().parent.parent
RUNNING: list["WireTap"] = []
STOPPED: list["WireTap"] = []  # stopped since the plugin last looked
STARTED = 0  # how many taps the session started
TIMEOUT = 120.0  # seconds a tap may take to check what it was sent before it answers


class WireTap:
    def __init__(self, target_port: int, folder: Path):
        specs.fetch_all()  # here, once, rather than in each tap process
        self.log = folder / "wire-tap.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "contracts.tap", "--target", f"127.0.0.1:{target_port}"], cwd=CLIENTS,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.open("w"), text=True, bufsize=1)
        self.port = self._answer(30)["port"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.found: list[dict] = []  # every violation it reported
        self.claimed = 0  # how many of them the plugin has taken

    def sync(self) -> None:
        """Adds what the tap found since the last call (everything it forwarded until now is checked) to `found`."""
        self._command("sync")

    def stop(self) -> None:
        if self.process.poll() is None:
            self._command("stop")
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def unclaimed(self) -> list[dict]:
        found = self.found[self.claimed:]
        self.claimed = len(self.found)
        return found

    def _command(self, command: str) -> None:
        try:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        except OSError:
            self._died()
        self.found += self._answer(TIMEOUT)

    def _answer(self, timeout: float):
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self._died()
        return json.loads(line)

    def _died(self):
        self.process.kill()
        raise RuntimeError(f"the wire tap stopped answering; its log ({self.log}):\n{self.log.read_text(errors='replace')[-3000:]}")


@contextlib.contextmanager
def wire_tap(target_port: int, folder: Path):
    global STARTED
    tap = WireTap(target_port, folder)
    STARTED += 1
    RUNNING.append(tap)
    try:
        yield tap
    finally:
        RUNNING.remove(tap)
        STOPPED.append(tap)
        tap.stop()
