"""A replay of a Claude Code session against `/v1/messages`: its first streamed turn (system blocks,
a system message inside `messages`, its tools with 2020-12 schemas, `thinking` and other fields the
gateway ignores), then the turn that carries the `tool_result` blocks. Every event must be one the
anthropic SDK's types accept, with the `event:` line Claude Code routes on. The request shapes come
from public wire captures (see fixtures/claude_code_session.json, `_source`)."""

import copy
import json
import urllib.request
from pathlib import Path

import anthropic
import pydantic
import pytest

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "claude_code_session.json").read_text())
EVENT = pydantic.TypeAdapter(anthropic.types.RawMessageStreamEvent)


def post(stack, body: dict) -> list[tuple[str, dict]]:
    """POSTs like Claude Code and returns the stream's (event name, data) pairs."""
    url = stack.base_url.removesuffix("/v1") + FIXTURE["path"]
    headers = dict(FIXTURE["headers"], **{"content-type": "application/json", "x-api-key": "any-key"})
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200 and response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["request-id"], "Anthropic's clients read the request id from request-id"
        text = response.read().decode()
    events = []
    for frame in text.split("\n\n"):
        if not frame.strip():
            continue
        lines = dict(line.split(": ", 1) for line in frame.split("\n"))
        assert "event" in lines, f"an event without its event: line is dropped by Claude Code: {frame!r}"
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def check_sequence(events: list[tuple[str, dict]]) -> anthropic.types.Message:
    """Every event validates as the SDK's type and names itself; the accumulated message is returned.
    `ping` events (the SDK skips them) may come anywhere."""
    assert all(data == {"type": "ping"} for name, data in events if name == "ping")
    events = [(name, data) for name, data in events if name != "ping"]
    for name, data in events:
        assert name == data["type"]
        EVENT.validate_python(data)
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert events[0][1]["message"]["usage"]["input_tokens"] > 0, "Claude Code's context indicator needs a count"
    assert events[-2][1]["usage"]["output_tokens"] > 0
    starts = [data["index"] for name, data in events if name == "content_block_start"]
    stops = [data["index"] for name, data in events if name == "content_block_stop"]
    assert starts == stops == list(range(len(starts)))
    message = copy.deepcopy(events[0][1]["message"])
    partial = {}
    for name, data in events[1:]:
        if name == "content_block_start":
            message["content"].append(data["content_block"])
        elif name == "content_block_delta" and data["delta"]["type"] == "text_delta":
            message["content"][data["index"]]["text"] += data["delta"]["text"]
        elif name == "content_block_delta":
            partial[data["index"]] = partial.get(data["index"], "") + data["delta"]["partial_json"]
        elif name == "message_delta":
            message["stop_reason"] = data["delta"]["stop_reason"]
            message["usage"].update(data["usage"])
    for index, text in partial.items():
        message["content"][index]["input"] = json.loads(text)
    return anthropic.types.Message.model_validate(message)


def test_a_claude_code_session_runs_a_tool_and_reaches_the_answer(stack):
    first = check_sequence(post(stack, FIXTURE["first"]))
    assert first.stop_reason == "tool_use"
    uses = [block for block in first.content if block.type == "tool_use"]
    assert [(use.name, use.input) for use in uses] == [("Read", {"file_path": "/home/dev/proj/Sources/main.swift"})]

    second_body = copy.deepcopy(FIXTURE["first"])
    second_body["messages"].append({"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]})
    result = dict(FIXTURE["tool_results"][0], tool_use_id=uses[0].id)
    second_body["messages"].append({"role": "user", "content": [result, FIXTURE["tool_results"][1]]})
    second = check_sequence(post(stack, second_body))
    assert second.stop_reason == "end_turn"
    assert "import Foundation" in second.content[0].text, "the tool's result reached Copilot"

    turns = [r for r in stack.recorded_requests() if r["path"].endswith("/chatOverStream")]
    assert len({r["path"] for r in turns}) == 1, "the second turn continues the first turn's Copilot conversation"
    context = " ".join(entry["text"] for entry in turns[0]["body"]["additionalContext"])
    assert "You are Claude Code" in context and "Available agent types" in context
    assert "x-anthropic-billing-header" not in context


def test_a_failed_tool_result_is_passed_on_as_an_error(stack):
    body = copy.deepcopy(FIXTURE["first"])
    body["stream"] = False
    body["messages"] += [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01CFL8T959dcrfGHUWJuenin", "name": "Bash", "input": {"command": "swift test"}}]},
        {"role": "user", "content": [dict(FIXTURE["failed_result"], tool_use_id="toolu_01CFL8T959dcrfGHUWJuenin")]},
    ]
    url = stack.base_url.removesuffix("/v1") + FIXTURE["path"]
    headers = dict(FIXTURE["headers"], **{"content-type": "application/json", "x-api-key": "any-key"})
    with urllib.request.urlopen(urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers), timeout=30) as response:
        message = anthropic.types.Message.model_validate(json.loads(response.read()))
    assert message.stop_reason == "end_turn"
    sent = [r for r in stack.recorded_requests() if r["path"].endswith("/chat")][-1]["body"]["message"]["text"]
    assert "The tool reported an error" in sent and "no tests found" in sent
