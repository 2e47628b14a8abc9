"""The APIs the fuzz cases are aimed at, one `Dialect` each: the route, how its clients authenticate, a
valid body to mutate and the places in it worth breaking, and the error shape every answer on its
paths must have. The generators (body_cases, wire_cases) and the judge read only these descriptions.

Which shape an error must have is decided by the route, as the gateway documents it: Anthropic's on the
Messages routes, OpenAI's on the Chat Completions and Responses routes, whatever the headers; on shared
routes (the models list) and on paths no route serves, Anthropic's when the request carries
`anthropic-version`, else OpenAI's (`shape_of`)."""

import copy
import dataclasses
from typing import Callable
from urllib.parse import urlsplit

from fuzzing.case import FUZZ_KEY, request_bytes
from fuzzing.mutate import replaced

ANTHROPIC_VERSION = ("anthropic-version", "2023-06-01")
# The machine-readable code the gateway gives an error, in the field each shape has for it: OpenAI's
# `error.code`, Anthropic's `error.type`. Anthropic's document has no type for a body over the limit: a 413
# is an `invalid_request_error` there.
ANTHROPIC_TYPES = {"invalid_api_key": "authentication_error", "request_too_large": "invalid_request_error",
                   "body_share_exceeded": "rate_limit_error"}



def error_code(shape: str, openai_code: str) -> str:
    """The value the code field of an error of `shape` (`error.code`, or Anthropic's `error.type`) must have."""
    return ANTHROPIC_TYPES[openai_code] if shape == "anthropic" else openai_code


LOOKUP = {"type": "function", "function": {"name": "lookup", "description": "Look a word up.",
                                           "parameters": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}}}


def chat_body(i: int, **extra) -> dict:
    body = {
        "model": "copilot",
        "messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": f"fuzz case {i}"}],
        "user": f"fuzz-{i}",
    }
    body.update(extra)
    return body


def chat_valid(i: int) -> dict:
    return chat_body(i, tools=[copy.deepcopy(LOOKUP)], tool_choice="auto")


def responses_valid(i: int) -> dict:
    return {
        "model": "copilot",
        "instructions": "Be brief.",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Use tools."}]},
            {"role": "user", "content": [{"type": "input_text", "text": f"Weather? (fuzz case {i})"}]},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
        ],
        "tools": [{"type": "function", "name": "get_weather", "description": "Weather.",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}, "strict": False}],
        "tool_choice": "auto",
        "text": {"format": {"type": "text"}},
        "store": False,
    }


def messages_valid(i: int) -> dict:
    return {
        "model": "claude",
        "max_tokens": 64,
        "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": f"Remember PAPAYA. (fuzz case {i})"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "OK."},
                                              {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}, {"type": "text", "text": "And now?"}]},
        ],
        "tools": [{"name": "get_weather", "description": "Weather.", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
        "tool_choice": {"type": "auto"},
        "metadata": {"user_id": f"fuzz-{i}"},
    }


@dataclasses.dataclass(frozen=True)
class Dialect:
    """One API as the fuzz cases see it. Paths into a body are tuples of keys and indices."""

    name: str
    paths: tuple[str, ...]  # its POST route, then the other spellings the gateway serves it at
    shape: str  # "openai" or "anthropic": the error body on its paths
    anthropic_client: bool  # authenticates with `x-api-key` (else `Authorization: Bearer`)
    versioned: Callable[[int], bool]  # whether case number i carries `anthropic-version`
    valid: Callable[[int], dict]  # a valid body for case number i
    refusing: tuple  # values its handler refuses with a 400 at `refused_path` (a required field)
    refused_path: tuple
    schema_slots: tuple  # (label, path, value): where a schema goes; "__DEEP__" in value marks the spot
    nested_text_slots: tuple  # (label, path, deepest): strings whose text the gateway may read as JSON, nested at
    # most `deepest` levels (text that goes into the prompt must fit in a Copilot message)
    text_slots: tuple  # (label, path): strings to break the encoding of
    unknown_kinds: tuple  # (path, kinds): type tags at `path` naming kinds the dialect does not have
    tool: Callable[[str], dict]  # a function tool of that name, in the dialect's words
    require_tool: dict  # the fields that make a tool call required
    tool_name_limit: int | None  # the longest tool name it takes; None: it does not check names
    tool_name_param: str | None  # OpenAI's error.param for tools[i]'s name, with {i}
    item_paths: tuple[str, ...] = ()  # GET and DELETE routes of one kept item, its id made up
    text_limits: tuple = ()  # (label, most characters): nested_text_slots whose length the dialect's document limits
    shared_routes: bool = False  # also aimed at other routes: the shared ones, none (a garbage request line, CONNECT)

    @property
    def path(self) -> str:
        return self.paths[0]

    def headers(self, i: int, credentials: bool = True) -> list:
        """The headers its client sends besides Host and Content-Type: its credential and, per case, `anthropic-version`."""
        headers = [("x-api-key", FUZZ_KEY)] if credentials and self.anthropic_client else []
        return headers + ([ANTHROPIC_VERSION] if self.versioned(i) else [])

    def request(self, method: str, target: str, body: bytes | None, i: int, headers: list | None = None, *, credentials: bool = True,
                **options) -> bytes:
        """A request of case number i as its client sends it (with the extra `headers`)."""
        key = FUZZ_KEY if credentials and not self.anthropic_client else None
        return request_bytes(method, target, body, self.headers(i, credentials) + (headers or []), key=key, **options)

    def post(self, body: bytes | None, i: int, headers: list | None = None, **options) -> bytes:
        return self.request("POST", self.path, body, i, headers, **options)

    def code(self, openai_code: str) -> str:
        return error_code(self.shape, openai_code)

    def refused(self, i: int, value) -> dict:
        """A valid body with `value` at `refused_path`: one the handler answers with a 400."""
        return replaced(self.valid(i), self.refused_path, value)


ANTHROPIC_TOOL_KINDS = ("bash_20250124", "computer_20250124", "code_execution_20250522", "text_editor_20250124")

CHAT = Dialect(
    name="chat", paths=("/v1/chat/completions", "/chat/completions"), shape="openai", anthropic_client=False,
    versioned=lambda i: False, valid=chat_valid, refusing=(5, "x", [], [{"role": "nobody"}]), refused_path=("messages",),
    schema_slots=(("tools", ("tools", 0, "function", "parameters"), "__DEEP__"),
                  ("response_format", ("response_format",), {"type": "json_schema", "json_schema": {"name": "deep", "schema": "__DEEP__"}})),
    nested_text_slots=(("user", ("user",), 20_000),),
    text_slots=(("content", ("messages", 1, "content")), ("model", ("model",)), ("user", ("user",)), ("system", ("messages", 0, "content")),
                ("tool-description", ("tools", 0, "function", "description"))),
    unknown_kinds=((("messages", 1, "role"), ("developer ", "function_call", "")), (("tools", 0, "type"), ("custom", "web_search", "")),
                   (("tool_choice",), ("any", "function", "none "))),
    tool=lambda name: {"type": "function", "function": {"name": name, "description": "A tool.", "parameters": {"type": "object", "properties": {}}}},
    require_tool={"tool_choice": "required"}, tool_name_limit=64, tool_name_param="tools[{i}].function.name", shared_routes=True,
)

RESPONSES = Dialect(
    name="responses", paths=("/v1/responses", "/responses"), shape="openai", anthropic_client=False,
    versioned=lambda i: i % 4 == 3, valid=responses_valid, refusing=(5, True, [], [{"role": "nobody"}], [5]), refused_path=("input",),
    schema_slots=(("tools", ("tools", 0, "parameters"), "__DEEP__"),
                  ("text.format", ("text", "format"), {"type": "json_schema", "name": "deep", "schema": "__DEEP__"})),
    nested_text_slots=(("function_call.arguments", ("input", 2, "arguments"), 1500), ("function_call_output.output", ("input", 3, "output"), 1500)),
    text_slots=(("instructions", ("instructions",)), ("model", ("model",)), ("input-text", ("input", 1, "content", 0, "text")),
                ("developer-text", ("input", 0, "content", 0, "text")), ("arguments", ("input", 2, "arguments")),
                ("output", ("input", 3, "output")), ("tool-description", ("tools", 0, "description"))),
    unknown_kinds=((("input", 1, "type"), ("computer_call", "item_reference", "local_shell_call", "", "MESSAGE")),
                   (("input", 1, "content", 0, "type"), ("input_video", "output_audio", "")),
                   (("tools", 0, "type"), ("file_search", "code_interpreter", "mcp", "web_search_preview", "custom"))),
    tool=lambda name: {"type": "function", "name": name, "description": "A tool.", "parameters": {"type": "object", "properties": {}}},
    require_tool={"tool_choice": "required"}, tool_name_limit=64, tool_name_param="tools[{i}].name",
    item_paths=("/v1/responses/resp_fuzz", "/responses/resp_fuzz"),
)

MESSAGES_FIELDS = dict(
    shape="anthropic", anthropic_client=True, versioned=lambda i: i % 4 != 3, valid=messages_valid, refused_path=("messages",),
    schema_slots=(("tools", ("tools", 0, "input_schema"), "__DEEP__"), ("tool_use.input", ("messages", 1, "content", 1, "input"), "__DEEP__")),
    nested_text_slots=(("metadata.user_id", ("metadata", "user_id"), 20_000), ("tool_result.content", ("messages", 2, "content", 0, "content"), 1500)),
    text_slots=(("system", ("system", 0, "text")), ("model", ("model",)), ("text", ("messages", 0, "content", 0, "text")),
                ("tool_use.input", ("messages", 1, "content", 1, "input", "city")), ("tool_result", ("messages", 2, "content", 0, "content")),
                ("tool-description", ("tools", 0, "description")), ("metadata.user_id", ("metadata", "user_id"))),
    unknown_kinds=((("messages", 0, "content", 0, "type"), ("video", "server_tool_use", "container_upload", "", "TEXT")),
                   (("tools", 0, "type"), ANTHROPIC_TOOL_KINDS), (("tool_choice", "type"), ("required", "function", ""))),
    tool=lambda name: {"name": name, "description": "A tool.", "input_schema": {"type": "object", "properties": {}}},
    require_tool={"tool_choice": {"type": "any"}}, tool_name_param=None,
    text_limits=(("metadata.user_id", 512),),  # Anthropic's Metadata.user_id: maxLength 512
)
MESSAGES = Dialect(name="messages", paths=("/v1/messages", "/messages"), refusing=(5, "x", [], [{"role": "nobody"}]),
                   tool_name_limit=128, **MESSAGES_FIELDS)
# count_tokens reads the same body, builds no turn: an empty `messages` and any tool name are fine.
COUNT_TOKENS = Dialect(name="count_tokens", paths=("/v1/messages/count_tokens", "/messages/count_tokens"),
                       refusing=(5, "x", [{"role": "nobody"}], [5]), tool_name_limit=None, **MESSAGES_FIELDS)

DIALECTS = {dialect.name: dialect for dialect in (CHAT, RESPONSES, MESSAGES, COUNT_TOKENS)}

# OpenAI's endpoints Copilot cannot serve: the gateway answers a POST with a 400 in OpenAI's shape saying so.
UNSUPPORTED = ("images/generations", "embeddings", "completions", "moderations", "audio/speech", "audio/transcriptions", "audio/translations")
# Every route whose errors have one dialect's shape; a None segment is a parameter.
ROUTES = [(tuple(path.strip("/").split("/")), dialect.shape) for dialect in DIALECTS.values() for path in dialect.paths] + [
    (("v1", "responses", None), "openai"), (("responses", None), "openai"),
] + [(tuple(prefix + path.split("/")), "openai") for path in UNSUPPORTED for prefix in (["v1"], [])]


def route_shape(path: str) -> str | None:
    """The shape of the dialect route that serves `path` (empty segments do not count), or None when none does."""
    segments = tuple(part for part in path.split("/") if part)
    for route, shape in ROUTES:
        if len(route) == len(segments) and all(r is None or r == s for r, s in zip(route, segments)):
            return shape
    return None


def shape_of(target: str, versioned: bool) -> str:
    """The error shape a request for `target` must get: its route's, else Anthropic's with `anthropic-version`, else OpenAI's."""
    path = urlsplit(target).path if target.startswith("http") else target.split("?")[0]
    return route_shape(path) or ("anthropic" if versioned else "openai")
