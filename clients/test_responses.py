"""The OpenAI Responses API (`/v1/responses`) through the openai SDK and the openai-agents SDK:
whole and streamed answers, a function call round trip, JSON mode, and every event and response
checked against the SDK's own types."""

import json
import urllib.request

import openai
import pydantic
import pytest
from openai.types.responses import Response, ResponseStreamEvent

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "strict": False,
}
EVENT = pydantic.TypeAdapter(ResponseStreamEvent)


@pytest.fixture
def client(stack):
    return openai.OpenAI(base_url=stack.base_url, api_key="any-key", max_retries=0)


def raw_events(stack, body: dict) -> list[dict]:
    """The stream's events as sent, each checked to have its `event:` line and to validate as the SDK's type."""
    request = urllib.request.Request(
        stack.base_url + "/responses", data=json.dumps(dict(body, stream=True)).encode(), method="POST",
        headers={"content-type": "application/json", "authorization": "Bearer any-key"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    events = []
    for frame in text.split("\n\n"):
        lines = [line for line in frame.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        data = json.loads(fields["data"])
        assert fields["event"] == data["type"]
        EVENT.validate_python(data)
        events.append(data)
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    return events


def test_create_answers_with_output_text_and_a_valid_response(client):
    raw = client.responses.with_raw_response.create(model="copilot", input="REPLY `PONG` ONLY", instructions="Be brief.")
    response = Response.model_validate(raw.http_response.json())
    assert response.output_text == "PONG" and response.status == "completed"
    assert response.id.startswith("resp_") and response.model == "copilot" and response.instructions == "Be brief."
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens > 0


def test_a_stream_has_the_events_sdks_and_codex_expect_and_the_same_text(client, stack):
    prompt = "Explain in a few sentences what a gateway is."
    whole = client.responses.create(model="copilot", input=prompt).output_text
    events = raw_events(stack, {"model": "copilot", "input": prompt})
    types = [event["type"] for event in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]
    assert "".join(event["delta"] for event in events if event["type"] == "response.output_text.delta") == whole
    assert events[-1]["response"]["id"].startswith("resp_") and events[-1]["response"]["usage"]["output_tokens"] > 0
    with client.responses.stream(model="copilot", input=prompt) as stream:
        assert stream.get_final_response().output_text == whole


@pytest.mark.parametrize("streamed", [False, True])
def test_a_function_call_and_its_output_reach_the_final_answer(client, streamed):
    items = [{"role": "user", "content": 'Please call get_weather {"city": "Paris"}'}]

    def ask():
        if not streamed:
            return client.responses.create(model="copilot", input=items, tools=[WEATHER])
        with client.responses.stream(model="copilot", input=items, tools=[WEATHER]) as stream:
            return stream.get_final_response()

    first = ask()
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather" and json.loads(calls[0].arguments) == {"city": "Paris"}
    items += [item.model_dump(exclude_none=True) for item in first.output]
    items.append({"type": "function_call_output", "call_id": calls[0].call_id, "output": "sunny, 21 °C"})
    assert "sunny, 21 °C" in ask().output_text


def test_json_schema_format_answers_with_the_required_keys(client):
    schema = {"type": "object", "properties": {"mood": {"type": "string"}}, "required": ["mood"], "additionalProperties": False}
    response = client.responses.create(
        model="copilot", input="How do you feel?", text={"format": {"type": "json_schema", "name": "mood", "schema": schema, "strict": True}}
    )
    assert "mood" in json.loads(response.output_text)


def test_bad_requests_name_the_field(client):
    with pytest.raises(openai.BadRequestError) as unknown:
        client.responses.create(model="copilot", input=[{"type": "computer_call_output", "call_id": "x"}])
    assert unknown.value.body["param"] is None or "input" in unknown.value.body["param"]
    with pytest.raises(openai.BadRequestError) as orphan:
        client.responses.create(model="copilot", input=[{"role": "user", "content": "hi"}, {"type": "function_call_output", "call_id": "c9", "output": "x"}])
    assert orphan.value.body["param"] == "input[1].call_id"
    with pytest.raises(openai.BadRequestError) as builtin:
        client.responses.create(model="copilot", input="hi", tools=[{"type": "file_search", "vector_store_ids": ["v"]}])
    assert builtin.value.body["param"] == "tools[0].type" and "file_search" in builtin.value.body["message"]


def test_the_agents_sdk_runs_a_function_tool_to_its_final_answer(stack):
    import asyncio

    import agents

    calls = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        calls.append(city)
        return f"sunny in {city}"

    model = agents.OpenAIResponsesModel(model="copilot", openai_client=openai.AsyncOpenAI(base_url=stack.base_url, api_key="any-key", max_retries=0))
    agent = agents.Agent(name="Weather", instructions="Answer with the tool's result.", model=model, tools=[get_weather])
    agents.set_tracing_disabled(True)
    result = asyncio.run(agents.Runner.run(agent, 'Please call get_weather {"city": "Paris"}'))
    assert calls == ["Paris"]
    assert "sunny in Paris" in result.final_output


def test_previous_response_id_continues_and_stored_responses_can_be_read_and_deleted(client, stack):
    first = client.responses.create(model="copilot", instructions="You are a helpful bot.", input="Remember: the codeword is PAPAYA.")
    second = client.responses.create(model="copilot", previous_response_id=first.id, input="What is the codeword?")
    assert "PAPAYA" in second.output_text and second.previous_response_id == first.id
    turns = [r for r in stack.recorded_requests() if r["path"].endswith("/chat")]
    assert len({r["path"] for r in turns[-2:]}) == 1, "the second turn continues the first one's Copilot conversation"
    assert client.responses.retrieve(first.id).output_text == first.output_text
    client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError) as gone:
        client.responses.retrieve(first.id)
    assert gone.value.body["code"] == "response_not_found"
    with pytest.raises(openai.BadRequestError) as unknown:
        client.responses.create(model="copilot", previous_response_id=first.id, input="And now?")
    assert unknown.value.body["param"] == "previous_response_id" and unknown.value.body["code"] == "previous_response_not_found"


def test_store_false_keeps_nothing(client):
    assert client.responses.create(model="copilot", input="REPLY `ok` ONLY").store is True
    response = client.responses.create(model="copilot", input="REPLY `ok` ONLY", store=False)
    assert response.store is False
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)


def test_the_readme_curl_command_and_codex_provider_block_are_right(stack):
    import subprocess
    import tomllib

    from conftest import readme_block

    command = readme_block("## The Responses API and Codex", "bash").replace("http://127.0.0.1:9000", stack.base_url.removesuffix("/v1"))
    output = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, check=True).stdout
    assert Response.model_validate(json.loads(output)).output_text == "PONG"
    config = tomllib.loads(readme_block("## The Responses API and Codex", "toml"))
    provider = config["model_providers"][config["model_provider"]]
    assert provider["wire_api"] == "responses" and provider["base_url"].endswith("/v1")


def test_copilots_citations_are_url_citation_annotations(client):
    # The simulator cites sources for about half of all prompts (those whose hash is even).
    for attempt in range(12):
        response = client.responses.create(model="copilot", input=f"Tell me about gateways, take {attempt}.")
        annotations = response.output[0].content[0].annotations
        if annotations:
            break
    else:
        pytest.fail("no cited answer in 12 prompts")
    text = response.output_text
    for annotation in annotations:
        assert annotation.type == "url_citation" and annotation.url.startswith("http")
        assert text[annotation.start_index:annotation.end_index].startswith("[")


def test_a_failure_after_the_stream_started_ends_with_response_failed(client, stack):
    stack.add_fault(kind="cut", endpoint="stream", afterEvents=4)
    events = raw_events(stack, {"model": "copilot", "input": "hi there"})
    assert events[0]["type"] == "response.created" and events[-1]["type"] == "response.failed"
    error = events[-1]["response"]["error"]
    assert error["code"] == "server_error" and "ended before the answer was complete" in error["message"]
    assert events[-1]["response"]["status"] == "failed"


def changed(text: str) -> str:
    """`text` with one character in its middle replaced by another."""
    middle = len(text) // 2
    return text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1:]


def test_a_compacted_conversation_continues_from_its_summary(client, stack):
    history = [
        {"role": "user", "content": "Remember: the codeword is PAPAYA."},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "I will remember it."}]},
    ]
    compacted = client.responses.compact(model="copilot", input=history)
    assert isinstance(compacted, openai.types.responses.CompactedResponse) and compacted.object == "response.compaction"
    compaction = compacted.output[-1]
    assert compaction.type == "compaction" and compaction.encrypted_content
    summary_turns = stack.upstream_calls()
    assert any("Summarise our whole conversation above" in text for _, text in summary_turns), summary_turns

    item = compaction.model_dump(exclude_none=True)
    answer = client.responses.create(model="copilot", input=[item, {"role": "user", "content": "What is the codeword?"}])
    assert answer.status == "completed" and answer.output_text
    continued = stack.upstream_calls()[len(summary_turns):]
    assert any("[Summary of our conversation so far, which was compacted]" in text for _, text in continued), continued

    with pytest.raises(openai.BadRequestError) as tampered:
        client.responses.create(model="copilot", input=[dict(item, encrypted_content=changed(item["encrypted_content"])),
                                                         {"role": "user", "content": "What is the codeword?"}])
    assert tampered.value.code == "invalid_encrypted_content"


def test_input_tokens_are_counted(client):
    count = client.responses.input_tokens.count(model="copilot", input="hi")
    assert count.object == "response.input_tokens" and count.input_tokens > 0


def test_a_request_without_a_model_is_a_400_naming_it(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.post("/responses", body={"input": "hi"}, cast_to=Response)
    assert (raised.value.code, raised.value.param) == ("missing_required_parameter", "model")
