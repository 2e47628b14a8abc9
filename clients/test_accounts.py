"""Several accounts as an operator sets them up with the CLI: `login --account` as two people (one on Work IQ),
`status --json`, a key file that binds keys to them, `serve`, `doctor --account`, `logout --account`."""

import json
import os
import stat
import subprocess
import threading
import time
import urllib.request

import openai
import pytest

from conftest import free_port, gateway_binary, scratch, wait_until_up, without_microsoft_settings

ALICE, CAROL = "alice@contoso.com", "carol@contoso.com"
KEYS = {"alice": "alice-key-0123456789abcdef", "carol": "carol-key-0123456789abcdef", "any": "any-key-0123456789abcdef"}


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        return json.loads(text) if text else None


@pytest.fixture
def setup(tmp_path):
    """A simulator that checks tokens and approves device codes only when the test says as whom."""
    work = scratch(f"accounts-{tmp_path.name}")
    port = free_port()
    log = work / "simulator.log"
    process = subprocess.Popen(
        [str(gateway_binary()), "simulate", "--port", str(port), "--check-tokens", "--device-code-interval", "1", "--delay-ms", "1"],
        cwd=work, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        simulator = f"http://127.0.0.1:{port}"
        wait_until_up(f"{simulator}/_sim/faults", process, log)
        env = without_microsoft_settings()
        env.update(
            TENANT_ID="organizations", CLIENT_ID="11111111-2222-3333-4444-555555555555", STATE_DIR=str(work / "state"),
            LOGIN_BASE_URL=simulator, GRAPH_BASE_URL=simulator, WORKIQ_BASE_URL=f"{simulator}/rest",
        )
        yield env, work, simulator
    finally:
        process.terminate()
        process.wait(timeout=10)


def cli(env, work, *args):
    return subprocess.run([str(gateway_binary()), *args], cwd=work, env=env, capture_output=True, text=True, timeout=60)


def login_as(env, work, simulator, user, *args):
    """`copilot-gateway login ARGS`, with its device code approved in the simulator as `user`."""
    seen = {c["userCode"] for c in call(simulator, "GET", "/_sim/devicecodes")}
    result = {}
    thread = threading.Thread(target=lambda: result.update(run=cli(env, work, "login", *args)))
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pending = [c for c in call(simulator, "GET", "/_sim/devicecodes") if c["userCode"] not in seen and c["status"] == "pending"]
        if pending:
            call(simulator, "POST", "/_sim/devicecode/approve", {"userCode": pending[0]["userCode"], "user": user})
            break
        time.sleep(0.05)
    thread.join(timeout=30)
    login = result["run"]
    assert login.returncode == 0, login.stdout + login.stderr
    return login


def users_since(simulator, start):
    calls = [r for r in call(simulator, "GET", "/_sim/requests") if r["path"].startswith(("/beta/", "/rest/"))]
    return calls[start:]


def test_accounts_signed_in_with_the_cli_serve_their_own_keys(setup):
    env, work, simulator = setup
    login = login_as(env, work, simulator, ALICE, "--account", "alice")
    assert "Signed in as alice <alice@contoso.com>" in login.stdout
    login = login_as(env, work, simulator, CAROL, "--account", "carol", "--upstream", "workiq")
    assert "Work IQ" in login.stdout and "Copilot Credits" in login.stdout
    for name in ("alice", "carol"):
        cache = work / "state" / "accounts" / f"{name}.json"
        assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600

    status = cli(env, work, "status", "--json", "--no-refresh")
    assert status.returncode == 1, "the account default is not signed in: the worst account decides"
    listed = {a["account"]: a for a in json.loads(status.stdout)}
    assert (listed["alice"]["upstream"], listed["alice"]["signed_in"]) == ("graph", True)
    assert (listed["carol"]["upstream"], listed["carol"]["signed_in"]) == ("workiq", True)
    assert listed["default"]["signed_in"] is False
    assert cli(env, work, "status", "--account", "carol").returncode == 0
    assert cli(env, work, "doctor", "--account", "carol").returncode == 0

    keys = work / "keys"
    keys.write_text(f"# team\n{KEYS['alice']} account=alice\n{KEYS['carol']} account=carol\n{KEYS['any']}\n")
    port = free_port()
    log = work / "gateway.log"
    server = subprocess.Popen([str(gateway_binary()), "serve", "--port", str(port)], cwd=work, env=dict(env, GATEWAY_API_KEY_FILE=str(keys)),
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", server, log)
        start = len(users_since(simulator, 0))
        alice = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEYS["alice"], max_retries=0)
        assert alice.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "REPLY `a` ONLY"}]).choices[0].message.content == "a"
        assert {(r["user"], r["path"].split("/")[1]) for r in users_since(simulator, start)} == {(ALICE, "beta")}
        start = len(users_since(simulator, 0))
        carol = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=KEYS["carol"], max_retries=0)
        streamed = carol.chat.completions.create(model="copilot", stream=True, messages=[{"role": "user", "content": "REPLY `c` ONLY"}])
        assert "".join(chunk.choices[0].delta.content or "" for chunk in streamed if chunk.choices) == "c"
        assert {(r["user"], r["path"].split("/")[1]) for r in users_since(simulator, start)} == {(CAROL, "rest")}
        assert "account=alice" in log.read_text(), "a turn's log line names its account"
    finally:
        server.terminate()
        server.wait(timeout=10)

    logout = cli(env, work, "logout", "--account", "alice")
    assert logout.returncode == 0 and (work / "state" / "accounts" / "alice.json").exists()
    assert cli(env, work, "status", "--account", "alice").returncode == 1
    assert cli(env, work, "logout", "--account", "alice", "--forget").returncode == 0
    assert not (work / "state" / "accounts" / "alice.json").exists()

    everything = login.stdout + status.stdout + log.read_text()
    assert "sim-at-" not in everything and "sim-rt-" not in everything, "a token was printed or logged"


def test_a_key_bound_to_an_unknown_account_stops_serve_with_its_line(setup):
    env, work, simulator = setup
    login_as(env, work, simulator, ALICE, "--account", "alice")
    keys = work / "keys"
    keys.write_text(f"{KEYS['alice']} account=alice\n\n{KEYS['any']} account=alice,mallory\n")
    result = subprocess.run([str(gateway_binary()), "serve", "--port", str(free_port())], cwd=work,
                            env=dict(env, GATEWAY_API_KEY_FILE=str(keys)), capture_output=True, text=True, timeout=30)
    assert result.returncode == 78
    assert f"{keys} line 3: account=mallory" in result.stderr
