"""Tool calls and JSON mode through the openai SDK, against the simulator's tool-following model."""

import json

import openai
import pytest

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
FUTURE_TASK = {  # AstrBot's builtin cron tool, in its shape
    "type": "function",
    "function": {
        "name": "future_task",
        "description": "Schedule a task.",
        "parameters": {"type": "object", "properties": {"cron_expression": {"type": "string"}, "note": {"type": "string"}}, "required": ["note"]},
    },
}


@pytest.fixture
def client(stack):
    return openai.OpenAI(base_url=stack.base_url, api_key="any-key", max_retries=0)


def test_a_tool_call_and_the_answer_that_uses_its_result(client):
    messages = [{"role": "user", "content": 'Please call get_weather {"city": "Paris"}'}]
    first = client.chat.completions.create(model="copilot", messages=messages, tools=[WEATHER, FUTURE_TASK], tool_choice="auto")
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}

    messages += [choice.message.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 °C"}]
    second = client.chat.completions.create(model="copilot", messages=messages, tools=[WEATHER, FUTURE_TASK])
    assert second.choices[0].finish_reason == "stop"
    assert "sunny, 21 °C" in second.choices[0].message.content


def test_a_streamed_call_is_assembled_by_the_sdk_into_one_call(client):
    with client.chat.completions.stream(
        model="copilot", messages=[{"role": "user", "content": "use future_task"}], tools=[WEATHER, FUTURE_TASK]
    ) as stream:
        final = stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert final.choices[0].finish_reason == "tool_calls"
    assert len(calls) == 1 and calls[0].function.name == "future_task"
    assert "note" in json.loads(calls[0].function.arguments)


def test_text_answers_still_stream_when_tools_are_offered(client):
    chunks = list(client.chat.completions.create(
        model="copilot", messages=[{"role": "user", "content": "Explain in a few sentences what a gateway is."}], tools=[FUTURE_TASK], stream=True))
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(texts) > 2
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]


def test_tool_choice_none_sends_no_tool_text_upstream(client, stack):
    reply = client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "call get_weather"}], tools=[WEATHER], tool_choice="none")
    assert reply.choices[0].finish_reason == "stop"
    sent = json.dumps(stack.recorded_requests())
    assert "TOOLS AVAILABLE" not in sent and "TOOL CHOICE" not in sent


def test_a_messy_model_still_gives_a_clean_call(client, stack):
    stack.add_fault(kind="messy", endpoint="chat")
    reply = client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": 'call get_weather {"city": "Oslo"}'}], tools=[WEATHER])
    assert json.loads(reply.choices[0].message.tool_calls[0].function.arguments) == {"city": "Oslo"}


@pytest.mark.parametrize("stream", [False, True])
def test_json_mode_returns_json_that_loads(client, stream):
    fmt = {"type": "json_schema", "json_schema": {"name": "mood", "schema": {"type": "object", "properties": {"mood": {"type": "string"}}, "required": ["mood"]}}}
    messages = [{"role": "user", "content": "How do you feel today?"}]
    if stream:
        text = "".join(c.choices[0].delta.content or "" for c in client.chat.completions.create(model="copilot", messages=messages, response_format=fmt, stream=True) if c.choices)
    else:
        text = client.chat.completions.create(model="copilot", messages=messages, response_format=fmt).choices[0].message.content
    assert "mood" in json.loads(text)
