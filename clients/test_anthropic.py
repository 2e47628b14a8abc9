"""The official anthropic SDK against the gateway's Messages API (`/v1/messages`): whole and streamed
answers, a system prompt, history, a tool round trip, token counts and errors."""

import json
import subprocess

import anthropic
import httpx
import pytest

from conftest import API_KEY, readme_block

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def root(base_url: str) -> str:
    """The SDK adds `/v1/messages` itself."""
    return base_url.removesuffix("/v1")


@pytest.fixture
def client(stack):
    # No SDK retries, so an injected failure reaches the test as the client sees it.
    return anthropic.Anthropic(base_url=root(stack.base_url), api_key="any-key", max_retries=0)


def sent_context(stack) -> list:
    """The additionalContext texts of the last turn the gateway sent to Copilot."""
    turns = [r for r in stack.recorded_requests() if r["path"].endswith(("/chat", "/chatOverStream"))]
    return [entry["text"] for entry in (turns[-1]["body"].get("additionalContext") or [])]


def test_create_answers_with_a_text_block_and_passes_the_system_prompt_on(client, stack):
    message = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=1024, system="You are a terse assistant.",
        messages=[{"role": "user", "content": "REPLY `PONG` ONLY"}],
    )
    assert isinstance(message, anthropic.types.Message)
    assert [block.type for block in message.content] == ["text"] and message.content[0].text == "PONG"
    assert message.stop_reason == "end_turn" and message.role == "assistant" and message.id.startswith("msg_")
    assert message.model == "claude-sonnet-4-5"
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert any("You are a terse assistant." in text for text in sent_context(stack))


def test_history_reaches_copilot_so_it_recalls_the_codeword(client):
    message = client.messages.create(
        model="claude-sonnet-4-5", max_tokens=1024,
        system=[{"type": "text", "text": "You are a helpful bot.", "cache_control": {"type": "ephemeral"}}],
        messages=[
            {"role": "user", "content": "Remember: the codeword is PAPAYA."},
            {"role": "assistant", "content": [{"type": "text", "text": "I will remember it."}]},
            {"role": "user", "content": [{"type": "text", "text": "What is the codeword?"}]},
        ],
    )
    assert "PAPAYA" in message.content[0].text


def test_a_stream_accumulates_into_the_same_answer_as_a_whole_reply(client):
    messages = [{"role": "user", "content": "Explain in a few sentences what a gateway is."}]
    whole = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=messages).content[0].text
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=1024, messages=messages) as stream:
        events = [event.type for event in stream]
        final = stream.get_final_message()
    assert final.content[0].text == whole and "You said" in whole
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0
    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert "content_block_start" in events and "content_block_stop" in events and "message_delta" in events


@pytest.mark.parametrize("streamed", [False, True])
def test_a_tool_round_trip_reaches_the_final_answer(client, streamed):
    messages = [{"role": "user", "content": 'Please call get_weather {"city": "Paris"}'}]

    def ask():
        if not streamed:
            return client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, messages=messages, tools=[WEATHER])
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=1024, messages=messages, tools=[WEATHER]) as stream:
            return stream.get_final_message()

    first = ask()
    assert first.stop_reason == "tool_use"
    uses = [block for block in first.content if block.type == "tool_use"]
    assert len(uses) == 1 and uses[0].name == "get_weather" and uses[0].input == {"city": "Paris"}
    assert uses[0].id.startswith("toolu_")
    messages += [
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": uses[0].id, "content": "sunny, 21 °C"}]},
    ]
    second = ask()
    assert second.stop_reason == "end_turn"
    assert "sunny, 21 °C" in second.content[0].text


def test_count_tokens_estimates_the_prompt(client):
    small = client.messages.count_tokens(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hi"}])
    large = client.messages.count_tokens(
        model="claude-sonnet-4-5", system="You are helpful. " * 50, messages=[{"role": "user", "content": "hi"}], tools=[WEATHER]
    )
    assert 0 < small.input_tokens < large.input_tokens


def test_a_wrong_key_is_an_authentication_error_in_anthropics_shape(keyed_stack):
    wrong = anthropic.Anthropic(base_url=root(keyed_stack.base_url), api_key="not-the-key", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as raised:
        wrong.messages.create(model="claude-sonnet-4-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.body["type"] == "error" and raised.value.body["error"]["type"] == "authentication_error"
    right = anthropic.Anthropic(base_url=root(keyed_stack.base_url), api_key=API_KEY, max_retries=0)
    assert right.messages.create(model="claude-sonnet-4-5", max_tokens=16, messages=[{"role": "user", "content": "REPLY `ok` ONLY"}]).content[0].text == "ok"


def test_a_bad_body_is_a_bad_request_error_that_names_the_problem(client):
    with pytest.raises(anthropic.BadRequestError) as raised:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=16, messages=[{"role": "user", "content": [{"type": "video", "url": "x"}]}])
    assert raised.value.body["error"]["type"] == "invalid_request_error"
    assert "video" in raised.value.body["error"]["message"]
    # max_tokens is required, as Anthropic requires it (the SDK insists too, so this goes around it).
    with pytest.raises(anthropic.BadRequestError) as missing:
        client.post("/v1/messages", body={"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]}, cast_to=object)
    assert "max_tokens" in missing.value.body["error"]["message"]


def test_copilot_being_unavailable_is_an_overloaded_error(client, stack):
    stack.add_fault(kind="status", status=503, count=2)
    with pytest.raises(anthropic.APIStatusError) as raised:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 529 and raised.value.body["error"]["type"] == "overloaded_error"


def test_models_are_listed_and_retrieved_in_anthropics_shape(client):
    page = client.models.list()
    assert [model.id for model in page.data][:1] == ["copilot"]
    for model in page.data:
        anthropic.types.ModelInfo.model_validate(model.model_dump())  # strict: every required field
    assert client.models.retrieve("copilot").id == "copilot"
    with pytest.raises(anthropic.NotFoundError) as raised:
        client.models.retrieve("no-such-model")
    assert raised.value.body["error"]["type"] == "not_found_error"


def test_a_conversation_is_not_continued_through_the_other_dialect(client, stack):
    import openai

    history = [{"role": "user", "content": "Remember: the codeword is MANGO."}]
    first = client.messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=history)
    follow_up = history + [{"role": "assistant", "content": first.content[0].text}, {"role": "user", "content": "What is the codeword?"}]
    openai_client = openai.OpenAI(base_url=stack.base_url, api_key="any-key", max_retries=0)
    openai_client.chat.completions.create(model="copilot", messages=follow_up)
    conversations = [r["path"].split("/")[-2] for r in stack.recorded_requests() if r["path"].endswith("/chat")]
    assert len(conversations) == 2 and conversations[0] != conversations[1], "each dialect keeps its own conversation"


def test_the_readme_curl_command_answers(stack):
    command = readme_block("## Anthropic clients and Claude Code", "bash").replace("http://127.0.0.1:9000", root(stack.base_url))
    output = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, check=True).stdout
    message = anthropic.types.Message.model_validate(json.loads(output))
    assert message.content[0].text == "PONG"


def test_a_failure_after_the_stream_started_is_an_error_event_the_sdk_raises(client, stack):
    stack.add_fault(kind="cut", endpoint="stream", afterEvents=4)
    with pytest.raises(anthropic.APIStatusError) as raised:
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "hi there"}]) as stream:
            for _ in stream:
                pass
    assert raised.value.body["type"] == "error"
    assert "ended before the answer was complete" in raised.value.body["error"]["message"]


def test_a_request_without_a_model_is_an_invalid_request_error(stack):
    answer = httpx.post(root(stack.base_url) + "/v1/messages", timeout=30,
                        headers={"x-api-key": "any-key", "anthropic-version": "2023-06-01"},
                        json={"max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 400
    body = answer.json()
    assert (body["type"], body["error"]["type"], body["error"]["message"]) == ("error", "invalid_request_error", "model: Field required")
    assert body["request_id"] == answer.headers["request-id"]
