"""The official openai SDK against the gateway: whole and streamed answers, and errors."""

import openai
import pytest


@pytest.fixture
def client(stack):
    # No SDK retries, so an injected failure reaches the test as the client sees it.
    return openai.OpenAI(base_url=stack.base_url, api_key="any-key", max_retries=0)


def test_create_returns_the_reply_the_simulator_was_told_to_give(client):
    completion = client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "REPLY `PONG` ONLY"}])
    assert completion.choices[0].message.content == "PONG"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.object == "chat.completion"
    assert completion.model == "copilot"
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens


def test_streamed_text_equals_the_whole_answer_for_the_same_prompt(client):
    messages = [{"role": "user", "content": "Explain in a few sentences what a gateway is."}]
    whole = client.chat.completions.create(model="copilot", messages=messages).choices[0].message.content
    chunks = list(client.chat.completions.create(model="copilot", messages=messages, stream=True, stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole
    assert "You said" in text
    assert chunks[0].choices[0].delta.role == "assistant"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    assert len({c.id for c in chunks}) == 1


def test_stream_helper_accumulates_a_final_completion(client):
    with client.chat.completions.stream(model="copilot", messages=[{"role": "user", "content": "REPLY `streamed` ONLY"}]) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == "streamed"


def test_history_reaches_copilot_so_it_recalls_the_codeword(client):
    completion = client.chat.completions.create(
        model="copilot",
        messages=[
            {"role": "system", "content": "You are a helpful bot."},
            {"role": "user", "content": "Remember: the codeword is PAPAYA."},
            {"role": "assistant", "content": "I will remember it."},
            {"role": "user", "content": "What is the codeword?"},
        ],
    )
    assert "PAPAYA" in completion.choices[0].message.content


def test_a_503_that_persists_reaches_the_client_as_an_openai_error(client, stack):
    # The gateway retries once on a fresh conversation; both attempts fail.
    stack.add_fault(kind="status", status=503, count=2)
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 503
    assert raised.value.code == "upstream_unavailable"
    assert "503" in raised.value.message


def test_a_failure_after_the_stream_started_raises_in_the_sdk(client, stack):
    stack.add_fault(kind="cut", endpoint="stream", afterEvents=4)
    with pytest.raises(openai.APIError) as raised:
        for _ in client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "hi there"}], stream=True):
            pass
    assert "ended before the answer was complete" in raised.value.message


def test_a_bad_request_raises_bad_request_error_with_a_message(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="copilot", messages=[])
    assert raised.value.param == "messages"
    assert "at least one message" in raised.value.message


def test_models_lists_copilot(client):
    assert "copilot" in [m.id for m in client.models.list()]


def test_parts_with_a_system_reminder_and_an_image_get_a_sensible_answer_without_the_reminder(client, stack):
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    completion = client.chat.completions.create(
        model="copilot",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": png}},
            {"type": "text", "text": "<system_reminder>Current datetime: 2026-11-24 18:01 (UTC), Weekday: Tuesday</system_reminder>"},
        ]}],
        extra_headers={"x-astrbot-conversation-id": "astrbot-conv-1"},
        extra_body={"reasoning_effort": "high", "enable_thinking": False, "thinking": {"type": "disabled"}},
        temperature=0.7, max_tokens=8192, top_p=1, user="sdk-user",
    )
    text = completion.choices[0].message.content
    assert "What is in this picture?" in text          # the simulator quotes the prompt it got
    assert "image" in text                              # with the note that replaced the image
    assert "system_reminder" not in text and "Current datetime" not in text
    sent = stack.recorded_requests()[-1]["body"]
    assert any("Current datetime" in entry["text"] for entry in sent["additionalContext"])


@pytest.mark.parametrize("role", ["developer", "system"])
def test_a_conversation_of_only_a_developer_or_system_message_is_answered(client, role):
    completion = client.chat.completions.create(model="copilot", messages=[{"role": role, "content": "Say hello in a few words."}])
    assert completion.choices[0].message.content and completion.choices[0].finish_reason == "stop"


def test_a_request_without_a_model_is_a_400_naming_it(client):
    # The SDK insists on `model`, so this goes around it.
    with pytest.raises(openai.BadRequestError) as raised:
        client.post("/chat/completions", body={"messages": [{"role": "user", "content": "hi"}]}, cast_to=openai.types.chat.ChatCompletion)
    assert (raised.value.code, raised.value.param) == ("missing_required_parameter", "model")
