"""AstrBot 4.29.3 against the gateway, through AstrBot's own code.

The provider is loaded the way AstrBot loads it: the README's `cmd_config.json` snippet is read by
AstrBot's `AstrBotConfig` and instantiated by `ProviderManager.load_provider` (which merges the
provider source into the model entry). Agent turns go through AstrBot's `ToolLoopAgentRunner` with the
main agent's defaults: a system prompt, the `<system_reminder>` part from `_append_system_reminders`,
and the builtin `future_task` tool offered with `tool_choice: auto`.
"""

import json
import os
import uuid
from types import SimpleNamespace

import pytest

from conftest import API_KEY, readme_block, scratch

CALL_FUTURE_TASK = 'call future_task {"action": "create", "note": "drink water", "cron_expression": "0 8 * * *"}'
PROVIDER_ID = "copilot-gateway/copilot"


@pytest.fixture(scope="module")
def astrbot(stack, run):
    """AstrBot's provider manager, loaded from the README's config snippet pointed at the test gateway."""
    root = scratch("astrbot")
    # AstrBot reads ASTRBOT_ROOT when it is imported, and keeps its data (config, SQLite, temp files) there.
    os.environ["ASTRBOT_ROOT"] = str(root)
    snippet = readme_block("### AstrBot", "json")
    assert "http://127.0.0.1:9000/v1" in snippet
    config_file = root / "data" / "cmd_config.json"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text("{" + snippet.replace("http://127.0.0.1:9000/v1", stack.base_url) + "}")

    import astrbot.core.core_lifecycle  # noqa: F401  AstrBot's own import order (provider.manager alone is circular)
    from astrbot.core.config.astrbot_config import AstrBotConfig
    from astrbot.core.provider.manager import ProviderManager

    config = AstrBotConfig(config_path=str(config_file))  # fills in every default AstrBot has
    # load_provider touches neither the database nor the personas.
    manager = ProviderManager(SimpleNamespace(confs={"default": config}), db_helper=None, persona_mgr=SimpleNamespace(default_persona=None))
    for provider_config in config["provider"]:
        run(manager.load_provider(provider_config))
    yield SimpleNamespace(config=config, manager=manager, provider=manager.inst_map[PROVIDER_ID])
    run(manager.inst_map[PROVIDER_ID].terminate())


@pytest.fixture
def provider(astrbot):
    return astrbot.provider


class ScheduledTask:
    """Stands in for AstrBot's tool executor (the real one needs a running bot's cron manager)."""

    calls = []

    @classmethod
    async def execute(cls, tool, run_context, **tool_args):
        import mcp

        cls.calls.append((tool.name, tool_args))
        yield mcp.types.CallToolResult(content=[mcp.types.TextContent(type="text", text=f"scheduled job 7: {tool_args.get('note')}")])


def agent_request(astrbot, prompt: str, history: list | None = None, cid: str | None = None):
    """A ProviderRequest as AstrBot's main agent builds it by default."""
    from astrbot.core.agent.tool import ToolSet
    from astrbot.core.astr_main_agent import _append_system_reminders
    from astrbot.core.db.po import Conversation
    from astrbot.core.provider.entities import ProviderRequest
    from astrbot.core.provider.register import llm_tools
    from astrbot.core.tools.cron_tools import FutureTaskTool

    tools = ToolSet()
    tools.add_tool(llm_tools.get_builtin_tool(FutureTaskTool))  # as _proactive_cron_job_tools does
    request = ProviderRequest(
        prompt=prompt,
        system_prompt="You are a helpful assistant in a chat group. Answer briefly.",
        func_tool=tools,
        contexts=json.loads(json.dumps(history or [])),  # history comes back from AstrBot's database as JSON
        conversation=Conversation(platform_id="test", user_id="test:FriendMessage:1", cid=cid or str(uuid.uuid4())),
    )
    # Only the datetime reminder is on by default; the user and group reminders need a platform event.
    _append_system_reminders(None, request, astrbot.config["provider_settings"], None)
    return request


def agent_runner(astrbot, run, request, streaming: bool):
    from astrbot.core.agent.hooks import BaseAgentRunHooks
    from astrbot.core.agent.run_context import ContextWrapper
    from astrbot.core.agent.runners.tool_loop_agent_runner import ToolLoopAgentRunner

    runner = ToolLoopAgentRunner()
    run(runner.reset(
        provider=astrbot.provider, request=request, run_context=ContextWrapper(context=None),
        tool_executor=ScheduledTask, agent_hooks=BaseAgentRunHooks(), streaming=streaming, request_max_retries=5,
    ))
    return runner


def provider_responses(astrbot, run, prompt: str, streaming: bool):
    """One provider call exactly as the runner makes it (text_chat, or text_chat_stream when streaming).

    Returns the final LLMResponse and the text of each streamed chunk, read as it arrives: AstrBot reuses
    one LLMResponse object for all chunks, so the platform has to consume each one before the next.
    """
    runner = agent_runner(astrbot, run, agent_request(astrbot, prompt), streaming)

    async def collect():
        chunks, finals = [], []
        async for response in runner._iter_llm_responses():
            if response.is_chunk:
                chunks.append(response.completion_text)
            else:
                finals.append(response)
        return finals, chunks

    finals, chunks = run(collect())
    assert len(finals) == 1, "no final response (or more than one): AstrBot would re-request"
    return finals[0], chunks


def agent_turn(astrbot, run, prompt: str, streaming: bool, history=None, cid=None):
    """A whole agent turn (tools run, results sent back) and the history AstrBot would store after it."""
    from astrbot.core.agent.message import dump_messages_with_checkpoints

    runner = agent_runner(astrbot, run, agent_request(astrbot, prompt, history, cid), streaming)

    async def collect():
        # (type, text) of each AgentResponse as it arrives; streamed chains are reused, so read them at once.
        return [(r.type, r.data["chain"].get_plain_text()) async for r in runner.step_until_done(10)]

    responses = run(collect())
    assert runner.done()
    # What AstrBot saves: every message after the system prompt (internal.py _save_to_history).
    return runner.get_final_llm_resp(), responses, dump_messages_with_checkpoints(runner.run_context.messages[1:])


def streamed_text(responses) -> str:
    return "".join(text for kind, text in responses if kind == "streaming_delta")


def test_the_readme_config_loads_as_an_openai_compatible_provider(astrbot, stack):
    from astrbot.core.provider.sources.openai_source import ProviderOpenAIOfficial

    provider = astrbot.provider
    assert isinstance(provider, ProviderOpenAIOfficial)
    assert provider.get_model() == "copilot"
    assert str(provider.client.base_url).rstrip("/") == stack.base_url
    assert provider.client.max_retries == 0  # AstrBot retries by itself


def test_fetch_model_list_shows_copilot(provider, run):
    assert "copilot" in run(provider.get_models())


def test_the_dashboard_test_button_gets_pong(provider, run, stack, monkeypatch):
    replies = []
    text_chat = provider.text_chat

    async def recording_text_chat(*args, **kwargs):
        replies.append(await text_chat(*args, **kwargs))
        return replies[-1]

    monkeypatch.setattr(provider, "text_chat", recording_text_chat)
    run(provider.test())  # the dashboard's "test provider": raises if the provider does not answer
    assert [r.completion_text for r in replies] == ["PONG"]
    assert stack.upstream_calls() == [("chat", "REPLY `PONG` ONLY")]


@pytest.mark.parametrize("streaming", [False, True], ids=["text_chat", "text_chat_stream"])
def test_an_agent_request_gets_the_plain_answer(astrbot, run, stack, streaming):
    final, chunks = provider_responses(astrbot, run, "REPLY `Hello from the gateway` ONLY", streaming)
    assert final.role == "assistant"
    assert final.completion_text == "Hello from the gateway"
    assert not final.tools_call_name
    if streaming:
        assert len(chunks) > 1 and "".join(chunks) == "Hello from the gateway"
    # The request offered future_task; the reminder went along but is not echoed.
    assert "future_task" in json.dumps(stack.recorded_requests())
    assert [endpoint for endpoint, _ in stack.upstream_calls()] == ["chatOverStream" if streaming else "chat"]
    assert "system_reminder" not in final.completion_text + "".join(chunks)


@pytest.mark.parametrize("streaming", [False, True], ids=["text_chat", "text_chat_stream"])
def test_a_tool_call_is_parsed_into_a_call_astrbot_can_run(astrbot, run, streaming):
    final, chunks = provider_responses(astrbot, run, CALL_FUTURE_TASK, streaming)
    assert final.role == "tool"
    assert "tool_call" not in "".join(chunks)  # no call markup reaches the chat while streaming
    assert final.tools_call_name == ["future_task"]
    assert final.tools_call_args == [{"action": "create", "note": "drink water", "cron_expression": "0 8 * * *"}]
    assert final.tools_call_ids[0].startswith("call_")
    assert "tool_call" not in (final.completion_text or "")
    # The assistant turn AstrBot stores and sends back next.
    [call] = final.to_openai_tool_calls_model()
    assert call.function.name == "future_task" and json.loads(call.function.arguments)["note"] == "drink water"


@pytest.mark.parametrize("streaming", [False, True], ids=["non-streaming", "streaming"])
def test_the_agent_runs_the_tool_and_answers_with_its_result(astrbot, run, stack, streaming):
    ScheduledTask.calls.clear()
    final, responses, history = agent_turn(astrbot, run, CALL_FUTURE_TASK, streaming)
    assert ScheduledTask.calls == [("future_task", {"action": "create", "note": "drink water", "cron_expression": "0 8 * * *"})]
    assert final.completion_text == "The future_task tool returned: scheduled job 7: drink water"
    if streaming:
        assert streamed_text(responses) == final.completion_text
    assert [m["role"] for m in history] == ["user", "assistant", "tool", "assistant"]
    assert history[1]["tool_calls"][0]["function"]["name"] == "future_task"
    # Two requests: the call, then the tool result in the same Copilot conversation.
    calls = stack.upstream_calls()
    assert len(calls) == 2 and '<tool_result name="future_task"' in calls[1][1]


@pytest.mark.parametrize("streaming", [False, True], ids=["non-streaming", "streaming"])
def test_the_stored_history_lets_copilot_recall_the_codeword(astrbot, run, streaming):
    cid = str(uuid.uuid4())
    first, _, history = agent_turn(astrbot, run, "REPLY `Noted.` ONLY. By the way, the codeword is MANGO.", streaming, cid=cid)
    assert first.completion_text == "Noted."
    # AstrBot stores its own turn as a list of parts and the user turn with its reminder part.
    assert history[1] == {"role": "assistant", "content": [{"type": "text", "text": "Noted."}]}
    assert "<system_reminder>" in history[0]["content"][1]["text"]
    second, responses, history = agent_turn(astrbot, run, "What is the codeword?", streaming, history, cid=cid)
    assert "MANGO" in second.completion_text
    assert "system_reminder" not in second.completion_text
    assert len(history) == 4


def test_a_history_the_gateway_never_saw_still_reaches_copilot(astrbot, run, stack):
    """History from AstrBot's database (after a gateway restart, say) seeds a new Copilot conversation."""
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Remember: the codeword is KIWI."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "I will remember it."}]},
    ]
    final, _, _ = agent_turn(astrbot, run, "What is the codeword?", False, history)
    assert "KIWI" in final.completion_text


def test_astrbot_sends_its_configured_key_and_reports_a_wrong_one(astrbot, run, keyed_stack):
    import openai

    from astrbot.core.provider.sources.openai_source import ProviderOpenAIOfficial

    config = astrbot.manager.get_merged_provider_config(astrbot.manager.get_provider_config_by_id(PROVIDER_ID))
    settings = astrbot.config["provider_settings"]
    good = ProviderOpenAIOfficial(config | {"api_base": keyed_stack.base_url, "key": [API_KEY]}, settings)
    assert run(good.text_chat(prompt="REPLY `PONG` ONLY")).completion_text == "PONG"
    assert "copilot" in run(good.get_models())
    wrong = ProviderOpenAIOfficial(config | {"api_base": keyed_stack.base_url, "key": ["not-the-gateway-key"]}, settings)
    with pytest.raises(openai.AuthenticationError) as raised:
        run(wrong.test())  # what the dashboard's test button shows
    assert raised.value.code == "invalid_api_key"
    assert keyed_stack.upstream_calls() == [("chat", "REPLY `PONG` ONLY")]  # the wrong key never reached Copilot


def test_a_streamed_answer_with_a_code_block_reaches_astrbot(astrbot, run, own_stack):
    from astrbot.core.provider.sources.openai_source import ProviderOpenAIOfficial

    answer = "Here is the code:\n```python\nprint(1)\n```"
    config = astrbot.manager.get_merged_provider_config(astrbot.manager.get_provider_config_by_id(PROVIDER_ID)) | {"api_base": own_stack.base_url}
    own = SimpleNamespace(config=astrbot.config, provider=ProviderOpenAIOfficial(config, astrbot.config["provider_settings"]))
    try:
        final, chunks = provider_responses(own, run, f"REPLY `{answer}` ONLY", streaming=True)
    finally:
        own_stack.assert_gateway_alive()
    assert final.completion_text == answer and "".join(chunks) == answer


@pytest.mark.parametrize("streaming", [False, True], ids=["text_chat", "text_chat_stream"])
def test_an_incomplete_call_never_reaches_the_chat_as_markup(astrbot, run, streaming):
    final, chunks = provider_responses(astrbot, run, 'call future_task {"note": "drink water"}', streaming)
    shown = (final.completion_text or "") + "".join(chunks)
    assert "<tool_call" not in shown and "</tool_call>" not in shown
    if final.tools_call_name:  # a corrected, complete call is fine too
        assert final.tools_call_name == ["future_task"] and "action" in final.tools_call_args[0]
