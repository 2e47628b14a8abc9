"""Strict checks of the gateway's wire format on raw HTTP (httpx2, the HTTP client the openai SDK ships).

Every chunk is validated with the SDK's own pydantic models (`ChatCompletionChunk.model_validate`
checks types and literals, unlike the SDK's lenient `construct`), and the stream's shape is checked
event by event: what AstrBot's `ChatCompletionStreamState` and MaiBot's accumulator rely on.
"""

import json

import httpx2
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk

AUTH = {"Authorization": "Bearer any-key"}
ERROR_KEYS = {"message", "type", "param", "code"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}}, "required": ["city"]},
    },
}
FUTURE_TASK = {
    "type": "function",
    "function": {
        "name": "future_task",
        "description": "Schedule a task.",
        "parameters": {"type": "object", "properties": {"action": {"type": "string"}, "note": {"type": "string"}}, "required": ["action"]},
    },
}


@pytest.fixture
def http(stack):
    with httpx2.Client(base_url=stack.base_url, headers=AUTH, timeout=60) as client:
        yield client


def post_stream(http, body):
    """The response and its SSE events (the data of each), checked line by line."""
    events, lines = [], []
    with http.stream("POST", "/chat/completions", json=body) as response:
        raw = response.read().decode()
    assert response.status_code == 200, raw
    assert response.headers["content-type"].startswith("text/event-stream")
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        data = [line[len("data: "):] for line in block.split("\n") if line.startswith("data: ")]
        others = [line for line in block.split("\n") if line and not line.startswith(("data: ", ":"))]
        assert not others, f"unexpected SSE lines {others!r}"
        if data:
            assert len(data) == 1, f"one data line per event, got {data!r}"
            events.append(data[0])
    return response, events


def chunks_of(events, include_usage: bool):
    """Validates the whole stream's shape; returns the validated chunks (usage chunk included)."""
    assert events[-1] == "[DONE]" and events.count("[DONE]") == 1
    payloads = [json.loads(event) for event in events[:-1]]
    assert not [p for p in payloads if "error" in p], payloads
    chunks = [ChatCompletionChunk.model_validate(p) for p in payloads]
    assert len({c.id for c in chunks}) == 1, "one id per stream"
    assert len({c.created for c in chunks}) == 1 and len({c.model for c in chunks}) == 1
    with_choices = [c for c in chunks if c.choices]
    assert all(len(c.choices) == 1 and c.choices[0].index == 0 for c in with_choices)
    assert with_choices[0].choices[0].delta.role == "assistant", "the first chunk carries the role"
    assert [c for c in with_choices[1:] if c.choices[0].delta.role is not None] == [], "role only in the first chunk"
    finishing = [c for c in with_choices if c.choices[0].finish_reason is not None]
    assert len(finishing) == 1 and finishing[0] is with_choices[-1], "exactly one finish_reason, on the last choice chunk"
    usage_chunks = [c for c in chunks if c.usage is not None]
    if include_usage:
        assert usage_chunks == [chunks[-1]] and chunks[-1].choices == [], "the usage chunk comes right before [DONE]"
        usage = chunks[-1].usage
        assert usage.completion_tokens > 0 and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    else:
        assert usage_chunks == [] and len(with_choices) == len(chunks), "no usage chunk unless asked for"
    # The SDK's accumulator (AstrBot's final response) must accept the stream as it is.
    state = ChatCompletionStreamState()
    for chunk in chunks:
        state.handle_chunk(chunk)
    return chunks, state.get_final_completion()


def text_of(chunks) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@pytest.mark.parametrize("include_usage", [True, False], ids=["include_usage", "no_usage"])
@pytest.mark.parametrize("tools", [None, [WEATHER, FUTURE_TASK]], ids=["no_tools", "tools_offered"])
def test_a_streamed_answer_has_the_exact_chunk_sequence(http, include_usage, tools):
    body = {"model": "copilot", "stream": True, "messages": [{"role": "user", "content": "REPLY `streamed answer, with several words in it` ONLY"}]}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    if tools:
        body |= {"tools": tools, "tool_choice": "auto"}
    _, events = post_stream(http, body)
    chunks, final = chunks_of(events, include_usage)
    assert text_of(chunks) == "streamed answer, with several words in it"
    assert [c for c in chunks if c.choices and c.choices[0].delta.tool_calls] == []
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.content == "streamed answer, with several words in it"


CALLS = {
    "one_call": ('call get_weather {"city": "Paris", "unit": "celsius"}', [("get_weather", {"city": "Paris", "unit": "celsius"})]),
    "two_calls": ('call get_weather {"city": "Paris"} and call future_task {"action": "list"}',
                  [("get_weather", {"city": "Paris"}), ("future_task", {"action": "list"})]),
}


@pytest.mark.parametrize("include_usage", [True, False], ids=["include_usage", "no_usage"])
@pytest.mark.parametrize("case", CALLS)
def test_streamed_tool_call_deltas_carry_id_and_name_once_per_index(http, include_usage, case):
    prompt, expected = CALLS[case]
    body = {"model": "copilot", "stream": True, "tools": [WEATHER, FUTURE_TASK], "tool_choice": "auto", "messages": [{"role": "user", "content": prompt}]}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    _, events = post_stream(http, body)
    chunks, final = chunks_of(events, include_usage)
    deltas = [d for c in chunks if c.choices for d in (c.choices[0].delta.tool_calls or [])]
    assert sorted({d.index for d in deltas}) == list(range(len(expected)))
    for index, (name, arguments) in enumerate(expected):
        first, *rest = [d for d in deltas if d.index == index]
        assert first.id.startswith("call_") and first.type == "function" and first.function.name == name
        assert all(d.id is None and d.type is None and (d.function is None or d.function.name is None) for d in rest), "id, type and name once"
        assert json.loads("".join(d.function.arguments or "" for d in [first, *rest] if d.function)) == arguments
    assert len({d.id for d in deltas if d.id}) == len(expected)
    assert text_of(chunks) == ""
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]
    calls = final.choices[0].message.tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == expected


def test_a_whole_answer_validates_as_a_chat_completion(http):
    response = http.post("/chat/completions", json={"model": "my-alias", "messages": [{"role": "user", "content": "REPLY `PONG` ONLY"}]})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    completion = ChatCompletion.model_validate(response.json())
    assert completion.object == "chat.completion" and completion.model == "my-alias"
    [choice] = completion.choices
    assert choice.index == 0 and choice.finish_reason == "stop"
    assert choice.message.role == "assistant" and choice.message.content == "PONG"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_a_whole_tool_call_validates_as_a_chat_completion(http):
    response = http.post("/chat/completions", json={
        "model": "copilot", "tools": [WEATHER, FUTURE_TASK],
        "messages": [{"role": "user", "content": 'call future_task {"action": "create", "note": "drink water"}'}],
    })
    completion = ChatCompletion.model_validate(response.json())
    [choice] = completion.choices
    assert choice.finish_reason == "tool_calls" and choice.message.role == "assistant"
    [call] = choice.message.tool_calls
    assert call.type == "function" and call.id.startswith("call_") and call.function.name == "future_task"
    assert json.loads(call.function.arguments) == {"action": "create", "note": "drink water"}
    assert not choice.message.content


def test_every_field_the_bots_send_is_accepted(http):
    """Request fields and message shapes from AstrBot, MaiBot and the SDK (spec/clients.md §0)."""
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    body = {
        "model": "copilot", "stream": False, "temperature": 0.7, "top_p": 1, "max_tokens": 8192,
        "max_completion_tokens": 8192, "presence_penalty": 0, "user": "wire-fields", "thinking": {"type": "disabled"},
        "reasoning_effort": "high", "enable_thinking": False, "some_custom_extra_body_key": {"x": 1},
        "tool_choice": "auto",  # AstrBot's retry without tools keeps tool_choice
        "messages": [
            {"role": "system", "content": "You are a bot."},
            {"role": "user", "content": [{"type": "text", "text": "Look at this."}, {"type": "image_url", "image_url": {"url": png}},
                                         {"type": "text", "text": "<system_reminder>Current datetime: 2026-11-24 18:01 (UTC)</system_reminder>"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "A tiny picture."}], "reasoning_content": "It is one pixel."},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "assistant", "content": "It is sunny in Rome."},
            {"role": "user", "content": [{"type": "text", "text": "REPLY `PONG` ONLY"},
                                         {"type": "input_audio", "input_audio": {"data": "UklGRgAAAABXQVZF", "format": "wav"}}]},
        ],
    }
    response = http.post("/chat/completions", json=body)
    assert response.status_code == 200, response.text
    assert ChatCompletion.model_validate(response.json()).choices[0].message.content == "PONG"


def test_models_lists_copilot_as_openai_models(http):
    body = http.get("/models").json()
    assert body["object"] == "list"
    models = [Model.model_validate(m) for m in body["data"]]
    assert "copilot" in [m.id for m in models] and all(m.object == "model" for m in models)


def assert_error_body(response, status: int):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["type"], str)
    return body["error"]


@pytest.mark.parametrize("content, param", [
    (json.dumps({"model": "copilot", "messages": []}), "messages"),
    (json.dumps({"model": "copilot", "messages": [{"role": "user", "content": "hi"}], "n": 2}), "n"),
    ("{not json", None),
])
def test_a_bad_request_has_exactly_the_openai_error_shape(http, content, param):
    error = assert_error_body(http.post("/chat/completions", content=content, headers={"Content-Type": "application/json"}), 400)
    if param:
        assert error["param"] == param


def test_an_unknown_path_has_the_openai_error_shape(http):
    assert_error_body(http.get("/no-such-endpoint"), 404)


def test_an_upstream_failure_has_the_openai_error_shape(http, stack):
    stack.add_fault(kind="status", status=503, count=2)
    error = assert_error_body(http.post("/chat/completions", json={"model": "copilot", "messages": [{"role": "user", "content": "hi"}]}), 503)
    assert error["code"] == "upstream_unavailable"


def test_a_failure_mid_stream_is_one_error_event_without_done(http, stack):
    stack.add_fault(kind="cut", endpoint="stream", afterEvents=4)
    _, events = post_stream(http, {"model": "copilot", "stream": True, "messages": [{"role": "user", "content": "Explain in a few sentences what a gateway is."}]})
    assert "[DONE]" not in events
    *chunks, last = [json.loads(e) for e in events]
    assert set(last) == {"error"} and set(last["error"]) == ERROR_KEYS, last
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)


CODE_ANSWER = "Here is the code:\n```python\nprint(1)\n```"


def test_a_streamed_code_block_with_tools_offered_arrives_whole(own_stack):
    with httpx2.Client(base_url=own_stack.base_url, headers=AUTH, timeout=60) as http:
        try:
            _, events = post_stream(http, {
                "model": "copilot", "stream": True, "tools": [WEATHER], "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": f"REPLY `{CODE_ANSWER}` ONLY"}],
            })
        except httpx2.RemoteProtocolError:
            own_stack.assert_gateway_alive()
            raise
    chunks, final = chunks_of(events, include_usage=True)
    assert text_of(chunks) == CODE_ANSWER
    own_stack.assert_gateway_alive()
