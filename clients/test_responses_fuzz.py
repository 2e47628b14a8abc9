"""Seeded bad requests against `/v1/responses`: wrong types at every path of a valid body, unknown item,
part and tool kinds, deep nesting, cut and corrupted bodies. The gateway never crashes and never
answers 5xx, and every error it gives has OpenAI's shape with a 4xx status."""

import json
import os
import random
import urllib.error
import urllib.request

from test_anthropic_fuzz import ODD_VALUES, paths, replaced

SEED = int(os.environ.get("FUZZ_SEED", "20261129"))
VALID = {
    "model": "copilot",
    "instructions": "Be brief.",
    "input": [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Use tools."}]},
        {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ],
    "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": False}],
    "tool_choice": "auto",
    "text": {"format": {"type": "text"}},
    "store": False,
}


def bodies(rng):
    for path in list(paths(VALID))[1:]:
        for value in rng.sample(ODD_VALUES, 4):
            yield json.dumps(replaced(VALID, path, value)).encode("utf-8", "surrogatepass")
    for kind in ["computer_call", "item_reference", "local_shell_call", "", "MESSAGE"]:
        yield json.dumps(replaced(VALID, ("input", 1, "type"), kind)).encode()
    for kind in ["input_video", "output_audio", ""]:
        yield json.dumps(replaced(VALID, ("input", 1, "content", 0, "type"), kind)).encode()
    for kind in ["file_search", "code_interpreter", "mcp", "web_search_preview", "custom"]:
        yield json.dumps(replaced(VALID, ("tools", 0, "type"), kind)).encode()
    deep = {"type": "object"}
    for _ in range(200):
        deep = {"type": "object", "properties": {"a": deep}}
    yield json.dumps(replaced(VALID, ("tools", 0, "parameters"), deep)).encode()
    text = json.dumps(VALID).encode()
    for _ in range(60):
        cut = rng.randrange(len(text))
        yield text[:cut]
        yield text[:cut] + bytes([rng.randrange(256)]) + text[cut + 1:]


def test_bad_responses_requests_get_openai_errors_and_never_a_crash(stack):
    rng = random.Random(SEED)
    statuses = {}
    for body in bodies(rng):
        request = urllib.request.Request(stack.base_url + "/responses", data=body, method="POST", headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, f"{status} for {body[:200]!r}: {payload[:300]!r}"
        if status >= 400:
            error = json.loads(payload)["error"]
            assert set(error) == {"message", "type", "param", "code"} and error["message"], payload
    stack.assert_gateway_alive()
    assert sum(statuses.values()) > 200 and statuses.get(400, 0) > 100, statuses
