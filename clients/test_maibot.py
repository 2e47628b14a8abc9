"""MaiBot 1.3.15 against the gateway, through MaiBot's own code.

MaiBot's config manager loads the README's `model_config.toml` snippet (pointed at the test gateway);
requests go through its `OpenaiClient` and through the service layer its planner uses
(`LLMServiceClient.generate_response_with_context` with the builtin tools from `get_builtin_tools`).
MaiBot is installed as a top-level package named `src`, and writes its config, database and logs into
the instance folder `MAIBOT_INSTANCE_DIR` (logs into ./logs: conftest runs the session in a scratch folder).
"""

import json
import os
from types import SimpleNamespace

import pytest

from conftest import API_KEY, readme_block, scratch

CALL_REPLY = 'call reply {"msg_id": "m1", "reply_reference": "hi"}'


@pytest.fixture(scope="module")
def maibot(stack, run):
    instance = scratch("maibot")
    os.environ["MAIBOT_INSTANCE_DIR"] = str(instance)  # read when MaiBot is imported
    from src.config.config import MODEL_CONFIG_VERSION, ModelConfig, config_manager, load_config_from_file

    # MaiBot wrote its default config on import; now the user adds the README's snippet, lists the model
    # in the tasks, and MaiBot reloads the file (as its file watcher does).
    snippet = readme_block("### MaiBot", "toml")
    assert 'base_url = "http://127.0.0.1:9000/v1"' in snippet
    tasks = "".join(f'\n[model_task_config.{task}]\nmodel_list = ["copilot"]\n' for task in ("replyer", "planner", "utils"))
    path = instance / "config" / "model_config.toml"
    path.write_text(f'[inner]\nversion = "{MODEL_CONFIG_VERSION}"\n\n' + snippet.replace("http://127.0.0.1:9000/v1", stack.base_url) + tasks)
    load_config_from_file(ModelConfig, path, MODEL_CONFIG_VERSION, True)  # raises with MaiBot's own message if the snippet is wrong
    assert run(config_manager.reload_config(["model"]))
    models = config_manager.get_model_config()
    yield SimpleNamespace(
        provider=next(p for p in models.api_providers if p.name == "copilot-gateway"),
        model=next(m for m in models.models if m.name == "copilot"),
        tasks=models.model_task_config,
    )


def planner_tools():
    """The tools MaiBot's planner offers by default in a group chat (chat_loop_service.py)."""
    from src.core.tooling import ToolAvailabilityContext
    from src.maisaka.builtin_tool import get_builtin_tools

    return get_builtin_tools(ToolAvailabilityContext(session_id="group-1", stream_id="group-1", is_group_chat=True))


def planner_prompt(chat_line: str) -> list:
    from src.maisaka.chat_loop_service import PLANNER_FINAL_USER_REMINDER

    return [
        {"role": "system", "content": "你是麦麦，一个在群里聊天的女孩。用工具行动：用 reply 回复消息，不想说话就用 stop。"},
        {"role": "user", "content": f"[msg_id=m1] Alice: {chat_line}"},
        {"role": "user", "content": PLANNER_FINAL_USER_REMINDER},
    ]


def generate(run, task: str, prompt, **options):
    """A request through MaiBot's LLM service layer, as its planner, replyer and plugins make them."""
    from src.common.data_models.llm_service_data_models import LLMGenerationOptions
    from src.services.llm_service import LLMServiceClient, _build_prompt_context_factory

    client = LLMServiceClient(task_name=task, request_type=f"maisaka.{task}", session_id="group-1")
    return run(client.generate_response_with_context(_build_prompt_context_factory(prompt), options=LLMGenerationOptions(**options)))


def test_the_readme_model_config_loads(maibot, stack):
    from src.llm_models.model_client.base_client import client_registry
    from src.llm_models.model_client.openai_client import OpenaiClient

    assert maibot.provider.base_url == stack.base_url and maibot.provider.client_type == "openai"
    assert maibot.model.model_identifier == "copilot" and maibot.model.api_provider == "copilot-gateway"
    assert maibot.tasks.planner.model_list == ["copilot"]
    assert isinstance(client_registry.get_client_class_instance(maibot.provider, force_new=True), OpenaiClient)


def test_the_webui_model_list_shows_copilot(maibot, run):
    from src.webui.routers.model import get_provider_models

    listed = run(get_provider_models(provider_name="copilot-gateway", parser="openai", endpoint="/models"))
    assert "copilot" in [model["id"] for model in listed["models"]]


@pytest.mark.parametrize("force_stream", [False, True], ids=["plain", "force_stream_mode"])
def test_the_openai_client_returns_the_answer(maibot, run, stack, force_stream):
    from src.llm_models.model_client.base_client import ResponseRequest
    from src.llm_models.model_client.openai_client import OpenaiClient
    from src.llm_models.payload_content.context_item import ContextItemBuilder, RoleType

    client = OpenaiClient(maibot.provider)
    model = maibot.model.model_copy(update={"force_stream_mode": force_stream})
    items = [
        ContextItemBuilder().set_role(RoleType.System).add_text_content("你是麦麦。").build(),
        ContextItemBuilder().set_role(RoleType.User).add_text_content("REPLY `你好，我是麦麦` ONLY").build(),
    ]
    replyer = maibot.tasks.replyer
    response = run(client.get_response(ResponseRequest(model_info=model, context_items=items, max_tokens=replyer.max_tokens, temperature=replyer.temperature)))
    assert response.content == "你好，我是麦麦"
    assert response.tool_calls is None
    if not force_stream:  # MaiBot never asks a stream for usage (no stream_options), so only a whole answer has it
        assert response.usage.total_tokens > 0
    # force_stream_mode made MaiBot send stream: true, which the gateway answers from Copilot's stream.
    assert [endpoint for endpoint, _ in stack.upstream_calls()] == ["chatOverStream" if force_stream else "chat"]


@pytest.mark.parametrize("force_stream", [False, True], ids=["plain", "planner_message_steering"])
def test_the_planner_gets_its_reply_tool_call(maibot, run, stack, force_stream):
    tools = planner_tools()
    names = [tool["name"] for tool in tools]
    assert {"reply", "wait", "stop"} <= set(names)
    result = generate(run, "planner", planner_prompt(f"hi! {CALL_REPLY}"), tool_options=tools, force_stream_mode=force_stream)
    [call] = result.tool_calls
    assert call.func_name == "reply"
    assert call.args == {"msg_id": "m1", "reply_reference": "hi"}
    assert call.call_id.startswith("call_")
    assert "<tool_call" not in result.response
    assert "TOOLS AVAILABLE" in json.dumps(stack.recorded_requests())


def test_the_planner_history_with_a_tool_round_trip(maibot, run):
    """MaiBot resends its earlier reply call and the tool result; Copilot sees the result."""
    prompt = planner_prompt(f"hi! {CALL_REPLY}")
    prompt[2:2] = [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "reply", "arguments": json.dumps({"msg_id": "m1", "reply_reference": "hi"})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "已回复：你好呀"},
    ]
    result = generate(run, "planner", prompt, tool_options=planner_tools())
    assert "已回复：你好呀" in result.response


def test_the_replyer_recalls_the_codeword_from_the_history(maibot, run):
    result = generate(run, "replyer", [
        {"role": "system", "content": "你是麦麦。"},
        {"role": "user", "content": "Remember: the codeword is PAPAYA."},
        {"role": "assistant", "content": "好的，我记住了。"},
        {"role": "user", "content": "What is the codeword?"},
    ])
    assert "PAPAYA" in result.response


@pytest.mark.parametrize("kind", ["json_object", "json_schema"])
def test_json_mode_returns_json_that_loads(maibot, run, kind):
    from pydantic import BaseModel

    from src.llm_models.payload_content.resp_format import RespFormat, RespFormatType

    class Learned(BaseModel):
        """An expression MaiBot learned."""
        situation: str
        style: str

    response_format = RespFormat(RespFormatType.JSON_OBJ) if kind == "json_object" else RespFormat(RespFormatType.JSON_SCHEMA, Learned)
    result = generate(run, "utils", "总结这段聊天里的表达方式，输出 JSON。", response_format=response_format)
    data = json.loads(result.response)
    assert isinstance(data, dict) and data
    if kind == "json_schema":
        Learned.model_validate(data)


def test_maibot_sends_its_configured_key_and_reports_a_wrong_one(maibot, run, keyed_stack):
    from src.llm_models.exceptions import RespNotOkException
    from src.llm_models.model_client.base_client import ResponseRequest
    from src.llm_models.model_client.openai_client import OpenaiClient
    from src.llm_models.payload_content.context_item import ContextItemBuilder

    items = [ContextItemBuilder().add_text_content("REPLY `PONG` ONLY").build()]

    def ask(api_key):
        client = OpenaiClient(maibot.provider.model_copy(update={"base_url": keyed_stack.base_url, "api_key": api_key}))
        return run(client.get_response(ResponseRequest(model_info=maibot.model, context_items=items, max_tokens=512)))

    assert ask(API_KEY).content == "PONG"
    with pytest.raises(RespNotOkException) as raised:
        ask("not-the-gateway-key")
    assert raised.value.status_code == 401  # a hard error for MaiBot: it moves on to the next model, no retries
