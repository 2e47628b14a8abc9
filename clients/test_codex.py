"""A replay of a Codex session against `/v1/responses`: its first streamed turn (developer messages,
its function, custom and web_search tools, `reasoning: null`, `store: false`, `prompt_cache_key`),
then the turn that carries the `function_call` and its `function_call_output`. What Codex's SSE parser
needs is checked event by event (see fixtures/codex_session.json, `_source`)."""

import copy
import json
import urllib.request
from pathlib import Path

import pydantic
from openai.types.responses import ResponseStreamEvent

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "codex_session.json").read_text())
EVENT = pydantic.TypeAdapter(ResponseStreamEvent)


def stream(stack, body: dict) -> list[dict]:
    request = urllib.request.Request(
        stack.base_url + "/responses", data=json.dumps(body).encode(), method="POST",
        headers=dict(FIXTURE["headers"], **{"content-type": "application/json", "authorization": "Bearer any-key"}),
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and response.headers["content-type"] == "text/event-stream; charset=utf-8"
        text = response.read().decode()
    # Codex reads only the data: lines and dispatches on their type.
    events = [json.loads(line[6:]) for line in text.split("\n") if line.startswith("data: ")]
    for event in events:
        EVENT.validate_python(event)
    return events


def check_codex_requirements(events: list[dict]) -> list[dict]:
    """What codex-rs's parser needs; returns the items of `output_item.done`, where it takes calls from."""
    types = [event["type"] for event in events]
    assert types[0] == "response.created" and types[-1] == "response.completed", "without response.completed Codex retries and fails"
    completed = events[-1]["response"]
    assert isinstance(completed["id"], str) and completed["id"]
    usage = completed["usage"]
    assert {"input_tokens", "output_tokens", "total_tokens"} <= usage.keys()
    assert "cached_tokens" in usage["input_tokens_details"] and "reasoning_tokens" in usage["output_tokens_details"]
    open_items = set()
    for event in events:
        if event["type"] == "response.output_item.added":
            open_items.add(event["item"]["id"])
        if event["type"] == "response.output_text.delta":
            assert event["item_id"] in open_items, "a text delta needs its output_item.added first"
    done = [event["item"] for event in events if event["type"] == "response.output_item.done"]
    for item in done:
        if item["type"] == "function_call":
            assert isinstance(item["arguments"], str), "Codex drops a call whose arguments are not a string"
            assert item["call_id"] and item["name"]
    return done


def test_a_codex_session_runs_a_command_and_reaches_the_answer(stack):
    first = check_codex_requirements(stream(stack, FIXTURE["first"]))
    calls = [item for item in first if item["type"] == "function_call"]
    assert [(call["name"], json.loads(call["arguments"])) for call in calls] == [("exec_command", {"cmd": "ls", "workdir": "/repo"})]

    second = copy.deepcopy(FIXTURE["first"])
    echoed = {key: calls[0][key] for key in ("type", "name", "arguments", "call_id")}  # Codex echoes items without their id
    second["input"] += [FIXTURE["reasoning_echo"], echoed, {"type": "function_call_output", "call_id": calls[0]["call_id"], "output": FIXTURE["exec_output"]}]
    done = check_codex_requirements(stream(stack, second))
    messages = [item for item in done if item["type"] == "message"]
    assert messages and "Package.swift" in messages[0]["content"][0]["text"], "the command's output reached Copilot"

    turns = [r for r in stack.recorded_requests() if r["path"].endswith("/chatOverStream")]
    assert len({r["path"] for r in turns[-2:]}) == 1, "the second turn continues the first one's Copilot conversation"
    context = " ".join(entry["text"] for entry in turns[-2]["body"]["additionalContext"])
    assert "You are Codex" in context and "apply_patch" in context


def test_a_codex_remote_compaction_round_trip_continues_from_the_summary(stack):
    """Codex's remote compaction (codex-rs compact_remote): POST /v1/responses/compact with the turn's model,
    input, instructions, tools, parallel_tool_calls, reasoning and text; it reads only `output`, keeps the
    compaction item and the user messages (without their ids), and sends them as the next request's input."""
    first = FIXTURE["first"]
    history = first["input"] + [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "The repo holds Package.swift."}]}]
    body = {key: first[key] for key in ("model", "instructions", "tools", "parallel_tool_calls", "reasoning", "text")}
    headers = {key: value for key, value in FIXTURE["headers"].items() if key != "accept"}
    request = urllib.request.Request(
        stack.base_url + "/responses/compact", data=json.dumps(dict(body, input=history)).encode(), method="POST",
        headers=dict(headers, **{"content-type": "application/json", "authorization": "Bearer any-key"}),
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and response.headers["content-type"].split(";")[0] == "application/json"
        output = json.loads(response.read())["output"]
    summary_turns = stack.upstream_calls()
    assert any("Summarise our whole conversation above" in text for _, text in summary_turns), summary_turns

    kept = []
    for item in output:
        if item["type"] == "compaction":
            assert isinstance(item["encrypted_content"], str) and item["encrypted_content"]
            kept.append({"type": "compaction", "encrypted_content": item["encrypted_content"]})
        elif item["type"] == "message" and item["role"] == "user":
            kept.append({"type": "message", "role": "user", "content": item["content"]})
    assert [item["type"] for item in kept][-1] == "compaction"
    user_texts = [part["text"] for item in first["input"] if item["role"] == "user" for part in item["content"]]
    assert [part["text"] for item in kept if item["type"] == "message" for part in item["content"]] == user_texts

    follow_up = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What did you find in the repo?"}]}
    next_turn = dict(copy.deepcopy(first), input=[first["input"][0], *kept, follow_up])
    assert check_codex_requirements(stream(stack, next_turn)), "the turn after the compaction produced no item"
    continued = stack.upstream_calls()[len(summary_turns):]
    assert any("[Summary of our conversation so far, which was compacted]" in text for _, text in continued), continued
