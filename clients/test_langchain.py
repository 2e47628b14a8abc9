"""langchain-openai 1.7.4 (`ChatOpenAI`) against the gateway."""

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"sunny in {city}"


@pytest.fixture
def llm(stack):
    return ChatOpenAI(base_url=stack.base_url, api_key="any-key", model="copilot", max_retries=0)


def test_invoke_returns_the_answer(llm):
    reply = llm.invoke([SystemMessage("You are terse."), HumanMessage("REPLY `PONG` ONLY")])
    assert reply.content == "PONG"
    assert reply.response_metadata["finish_reason"] == "stop"
    assert reply.response_metadata["model_name"] == "copilot"
    assert reply.usage_metadata["total_tokens"] == reply.usage_metadata["input_tokens"] + reply.usage_metadata["output_tokens"]


def test_stream_yields_the_answer_in_pieces(llm):
    chunks = list(llm.stream("REPLY `streamed through langchain` ONLY"))
    assert len(chunks) > 1
    assert "".join(chunk.content for chunk in chunks) == "streamed through langchain"
    merged = sum(chunks[1:], chunks[0])
    assert merged.response_metadata["finish_reason"] == "stop"


def test_stream_usage_arrives_when_asked_for(stack):
    llm = ChatOpenAI(base_url=stack.base_url, api_key="any-key", model="copilot", max_retries=0, stream_usage=True)
    chunks = list(llm.stream("REPLY `counted` ONLY"))
    merged = sum(chunks[1:], chunks[0])
    assert merged.content == "counted"
    assert merged.usage_metadata["output_tokens"] > 0


def test_the_conversation_history_reaches_copilot(llm):
    reply = llm.invoke([
        SystemMessage("You are a helpful bot."),
        HumanMessage("Remember: the codeword is QUINCE."),
        ("assistant", "I will remember it."),
        HumanMessage("What is the codeword?"),
    ])
    assert "QUINCE" in reply.content


def test_bind_tools_gives_tool_calls(llm):
    reply = llm.bind_tools([get_weather]).invoke('Please call get_weather {"city": "Paris"}')
    assert reply.response_metadata["finish_reason"] == "tool_calls"
    [call] = reply.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "Paris"}
    assert call["id"].startswith("call_")


def test_a_streamed_tool_call_is_assembled_by_langchain(llm):
    chunks = list(llm.bind_tools([get_weather]).stream('call get_weather {"city": "Oslo"}'))
    merged = sum(chunks[1:], chunks[0])
    assert isinstance(merged, AIMessageChunk)
    [call] = merged.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "Oslo"}
    assert merged.content == ""


def test_the_tool_result_goes_back_and_is_answered(llm):
    bound = llm.bind_tools([get_weather])
    messages = [HumanMessage('call get_weather {"city": "Lima"}')]
    first = bound.invoke(messages)
    [call] = first.tool_calls
    messages += [first, ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])]
    second = bound.invoke(messages)
    assert second.tool_calls == []
    assert "sunny in Lima" in second.content
