"""Seeded bad requests against `/v1/messages`: wrong types at every path of a valid body, unknown
block and tool kinds, deep nesting, broken JSON and encodings. The gateway never crashes and never
answers 5xx, and every error it gives has Anthropic's shape with a 4xx status."""

import copy
import json
import os
import random
import urllib.error
import urllib.request

SEED = int(os.environ.get("FUZZ_SEED", "20261129"))
VALID = {
    "model": "claude",
    "max_tokens": 64,
    "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Remember PAPAYA."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "OK."}, {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}, {"type": "text", "text": "And now?"}]},
    ],
    "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
    "tool_choice": {"type": "auto"},
    "metadata": {"user_id": "fuzz"},
}
ODD_VALUES = [None, 0, -1, 1.5, True, "", "x", [], {}, [1, "a"], {"type": "nonsense"}, "\ud800", 10**30]


def paths(value, prefix=()):
    """Every path into `value` (keys and indices)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


def replaced(body, path, new):
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return body


def bodies(rng):
    for path in list(paths(VALID))[1:]:
        for value in rng.sample(ODD_VALUES, 4):
            yield json.dumps(replaced(VALID, path, value)).encode("utf-8", "surrogatepass")
    for kind in ["video", "server_tool_use", "container_upload", "", "TEXT"]:
        yield json.dumps(replaced(VALID, ("messages", 0, "content", 0, "type"), kind)).encode()
    for kind in ["bash_20250124", "computer_20250124", "code_execution_20250522", "web_search_20250305"]:
        yield json.dumps(replaced(VALID, ("tools", 0, "type"), kind)).encode()
    deep = {"type": "object"}
    for _ in range(200):
        deep = {"type": "object", "properties": {"a": deep}}
    yield json.dumps(replaced(VALID, ("tools", 0, "input_schema"), deep)).encode()
    text = json.dumps(VALID).encode()
    for _ in range(60):
        cut = rng.randrange(len(text))
        yield text[:cut]
        yield text[:cut] + bytes([rng.randrange(256)]) + text[cut + 1:]
    yield b"\xff\xfe not utf-8"
    yield b'{"model":"c","max_tokens":1,"messages":[{"role":"user","content":"\\ud800"}]}'


def test_bad_messages_requests_get_anthropic_errors_and_never_a_crash(stack):
    rng = random.Random(SEED)
    url = stack.base_url.removesuffix("/v1") + "/v1/messages"
    statuses = {}
    for body in bodies(rng):
        request = urllib.request.Request(url, data=body, method="POST", headers={"content-type": "application/json", "anthropic-version": "2023-06-01"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, f"{status} for {body[:200]!r}: {payload[:300]!r}"
        if status >= 400:
            answer = json.loads(payload)
            assert answer["type"] == "error" and set(answer["error"]) == {"type", "message"}, payload
            assert isinstance(answer["error"]["message"], str) and answer["error"]["message"]
    stack.assert_gateway_alive()
    assert sum(statuses.values()) > 300 and statuses.get(400, 0) > 100, statuses
