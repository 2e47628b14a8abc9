"""Seeded bad requests against `/v1/responses`: wrong types at every path of a valid body, unknown item,
part and tool kinds, deep nesting, cut and corrupted bodies. The gateway never crashes and never
answers 5xx, and every error it gives has OpenAI's shape with a 4xx status."""

import json
import os
import random

from fuzzing.errors import openai_error_problems
from fuzzing.mutate import mutations, replaced
from fuzzing.send import post_all

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
    yield from mutations(VALID, rng, ("tools", 0, "parameters"))
    for kind in ["computer_call", "item_reference", "local_shell_call", "", "MESSAGE"]:
        yield json.dumps(replaced(VALID, ("input", 1, "type"), kind)).encode()
    for kind in ["input_video", "output_audio", ""]:
        yield json.dumps(replaced(VALID, ("input", 1, "content", 0, "type"), kind)).encode()
    for kind in ["file_search", "code_interpreter", "mcp", "web_search_preview", "custom"]:
        yield json.dumps(replaced(VALID, ("tools", 0, "type"), kind)).encode()


def test_bad_responses_requests_get_openai_errors_and_never_a_crash(stack):
    def check(answer, payload):
        assert not openai_error_problems(answer), (openai_error_problems(answer), payload)

    statuses = post_all(stack.base_url + "/responses", bodies(random.Random(SEED)), check)
    stack.assert_gateway_alive()
    assert sum(statuses.values()) > 200 and statuses.get(400, 0) > 100, statuses
