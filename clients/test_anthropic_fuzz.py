"""Seeded bad requests against `/v1/messages`: wrong types at every path of a valid body, unknown
block and tool kinds, deep nesting, broken JSON and encodings. The gateway never crashes and never
answers 5xx, and every error it gives has Anthropic's shape with a 4xx status."""

import json
import os
import random

from fuzzing.errors import anthropic_error_problems
from fuzzing.mutate import mutations, replaced
from fuzzing.send import post_all

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

def bodies(rng):
    yield from mutations(VALID, rng, ("tools", 0, "input_schema"))
    for kind in ["video", "server_tool_use", "container_upload", "", "TEXT"]:
        yield json.dumps(replaced(VALID, ("messages", 0, "content", 0, "type"), kind)).encode()
    for kind in ["bash_20250124", "computer_20250124", "code_execution_20250522", "web_search_20250305"]:
        yield json.dumps(replaced(VALID, ("tools", 0, "type"), kind)).encode()
    yield b"\xff\xfe not utf-8"
    yield b'{"model":"c","max_tokens":1,"messages":[{"role":"user","content":"\\ud800"}]}'


def test_bad_messages_requests_get_anthropic_errors_and_never_a_crash(stack):
    def check(answer, payload):
        assert not anthropic_error_problems(answer), (anthropic_error_problems(answer), payload)

    url = stack.base_url.removesuffix("/v1") + "/v1/messages"
    statuses = post_all(url, bodies(random.Random(SEED)), check, headers={"anthropic-version": "2023-06-01"})
    stack.assert_gateway_alive()
    assert sum(statuses.values()) > 300 and statuses.get(400, 0) > 100, statuses
