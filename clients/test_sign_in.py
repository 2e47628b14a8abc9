"""`copilot-gateway login`, `status`, `serve` and `logout` against `copilot-gateway simulate`, as a user runs them."""

import json
import os
import stat
import subprocess
import time
import urllib.request

import openai
import pytest

from conftest import free_port, gateway_binary, scratch, wait_until_up, without_microsoft_settings


@pytest.fixture
def identity(tmp_path):
    """A simulator that approves every code, checks Graph tokens and issues two-second access tokens."""
    work = scratch(f"sign-in-{tmp_path.name}")
    port = free_port()
    log = work / "simulator.log"
    process = subprocess.Popen(
        [str(gateway_binary()), "simulate", "--port", str(port), "--auto-approve", "--check-tokens",
         "--token-lifetime", "2", "--device-code-interval", "1", "--delay-ms", "1"],
        cwd=work, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/_sim/faults", process, log)
        env = without_microsoft_settings()
        env.update(
            TENANT_ID="organizations", CLIENT_ID="11111111-2222-3333-4444-555555555555",
            LOGIN_BASE_URL=f"http://127.0.0.1:{port}", GRAPH_BASE_URL=f"http://127.0.0.1:{port}",
            TOKEN_CACHE=str(work / "state" / "token-cache.json"), STATE_DIR=str(work / "state"),
        )
        yield env, work
    finally:
        process.terminate()
        process.wait(timeout=10)


def cli(env, work, *args):
    return subprocess.run([str(gateway_binary()), *args], cwd=work, env=env, capture_output=True, text=True, timeout=60)


def test_login_status_serve_and_logout_work_together(identity):
    env, work = identity
    login = cli(env, work, "login")
    assert login.returncode == 0, login.stderr
    assert "https://microsoft.com/devicelogin" in login.stdout
    assert "Signed in as Simulated User <simulated.user@contoso.onmicrosoft.com>" in login.stdout
    cache = work / "state" / "token-cache.json"
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600

    status = cli(env, work, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    line = status.stdout.splitlines()[0]
    assert line.startswith("default  graph  Simulated User <simulated.user@contoso.onmicrosoft.com>"), status.stdout
    assert "refresh works" in line
    as_json = json.loads(cli(env, work, "status", "--json", "--no-refresh").stdout)
    assert [(a["account"], a["upstream"], a["signed_in"]) for a in as_json] == [("default", "graph", True)]

    port = free_port()
    log = work / "gateway.log"
    server = subprocess.Popen([str(gateway_binary()), "serve", "--port", str(port)], cwd=work, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", server, log)
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
        # Two-second tokens: these chats span several expiries without a new sign-in.
        for round in range(4):
            reply = client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": f"REPLY `round {round}` ONLY"}])
            assert reply.choices[0].message.content == f"round {round}"
            time.sleep(1.2)
    finally:
        server.terminate()
        server.wait(timeout=10)

    logout = cli(env, work, "logout")
    assert logout.returncode == 0 and not cache.exists()
    assert cli(env, work, "status").returncode == 1

    everything = login.stdout + login.stderr + status.stdout + status.stderr + log.read_text()
    assert "sim-at-" not in everything and "sim-rt-" not in everything, "a token was printed or logged"


def test_login_without_client_id_explains_what_to_set(identity):
    env, work = identity
    env = {k: v for k, v in env.items() if k != "CLIENT_ID"}
    result = cli(env, work, "login")
    assert result.returncode == 78
    assert "Set CLIENT_ID" in result.stderr


def test_login_refuses_before_any_device_code_when_the_token_cache_cannot_be_written(identity):
    env, work = identity
    simulator = env["LOGIN_BASE_URL"]
    env = dict(env, TOKEN_CACHE="/dev/null/token-cache.json")  # a folder that cannot exist
    result = cli(env, work, "login")
    assert result.returncode == 73, result.stdout + result.stderr
    assert "/dev/null/token-cache.json cannot be written" in result.stderr
    assert "devicelogin" not in result.stdout
    requests = json.loads(urllib.request.urlopen(f"{simulator}/_sim/requests", timeout=10).read())
    assert not [r for r in requests if r["path"].endswith("/devicecode")], "nobody was asked to sign in"


def test_status_when_signed_out_says_how_to_sign_in(identity):
    env, work = identity
    result = cli(env, work, "status")
    assert result.returncode == 1
    assert "copilot-gateway login" in result.stdout


def test_serve_refuses_a_public_address_without_api_keys(tmp_path):
    env = without_microsoft_settings()
    env.update(STATE_DIR=str(tmp_path / "state"))
    result = subprocess.run([str(gateway_binary()), "serve", "--host", "0.0.0.0", "--port", str(free_port())],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 78
    assert "GATEWAY_API_KEYS" in result.stderr and "--allow-unauthenticated" in result.stderr
