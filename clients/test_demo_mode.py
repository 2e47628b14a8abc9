"""With no Microsoft settings, `copilot-gateway serve` answers from its built-in simulator."""

import json
import re
import subprocess
import urllib.request

import openai

from conftest import gateway_binary


def test_demo_mode_answers_without_any_account(demo_gateway):
    base_url, log = demo_gateway
    client = openai.OpenAI(base_url=base_url, api_key="anything", max_retries=0)
    completion = client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "REPLY `hello from the demo` ONLY"}])
    assert completion.choices[0].message.content == "hello from the demo"
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "REPLY `streamed demo` ONLY"}], stream=True)
    )
    assert streamed == "streamed demo"
    assert "DEMO MODE" in log.read_text()


def test_version_names_the_release_and_its_commit_on_the_command_line_and_in_health(demo_gateway):
    base_url, _ = demo_gateway
    printed = subprocess.run([str(gateway_binary()), "--version"], capture_output=True, text=True, timeout=30)
    assert printed.returncode == 0
    version = printed.stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S* \(commit (development|[0-9a-f]{7,40})\)", version), version
    health = json.loads(urllib.request.urlopen(base_url.removesuffix("/v1") + "/health", timeout=10).read())
    assert health["version"] == version
