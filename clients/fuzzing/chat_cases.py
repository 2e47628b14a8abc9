"""The Chat Completions cases written by hand, beside the ones every dialect gets (body_cases): wrong types
at each field with the 400 each must get, fields the gateway ignores, missing required fields, requests
with nothing to answer, and invalid names in the legacy `functions`."""

import random

from fuzzing.body_cases import BAD_NAMES, GOOD_NAMES, JsonCases
from fuzzing.case import Case
from fuzzing.dialects import CHAT, LOOKUP, chat_body
from fuzzing.mutate import dumps

WRONG = {
    "string": [5, -1, 1.5, True, False, [], ["x"], {}, {"a": 1}],
    "bool": ["true", "yes", 1, 0, 1.5, [], {}, [True]],
    "int": ["1", True, 1.5, [], {}, [1], 2, 0, -1, 10**30],
    "object": ["x", 5, True, [], [{}], 1.5],
    "array": ["x", 5, True, {}, {"0": {}}, 1.5],
}
BAD_TOOL_CHOICES = [5, 1.5, True, [], {}, "bogus", "", "REQUIRED", {"type": "function"}, {"type": "function", "function": {}},
                    {"function": {"name": 5}}, {"name": []}]
BAD_RESPONSE_FORMATS = [5, "json_object", True, [], {}, {"type": 5}, {"type": None}, {"type": []}, {"json_schema": {}}]
BAD_STREAM_OPTIONS = WRONG["object"] + [{"include_usage": "yes"}, {"include_usage": 1}, {"include_usage": []}]
BAD_TOOLS = WRONG["array"] + [[5], ["x"], [None], [[]], [{"type": "function"}], [{"type": "function", "function": 5}],
                              [{"type": "function", "function": {}}], [{"type": "function", "function": {"name": 5}}],
                              [{"type": 5, "function": LOOKUP["function"]}], [{"type": "function", "function": {"name": "lookup", "description": 5}}],
                              [LOOKUP, {"type": "function", "function": {"name": None}}]]
BAD_FUNCTIONS = WRONG["array"] + [[5], [{}], [{"name": 5}], [{"name": "lookup", "description": []}]]
BAD_ROLES = [5, True, None, [], {}, "bogus", "", "USER", "User ", "tool_call"]
BAD_CONTENT = [5, 1.5, True, {}, {"type": "text", "text": "x"}]
BAD_PARTS = [5, True, None, [], {}, {"type": 5}, {"type": "text"}, {"type": "text", "text": 5}, {"type": "text", "text": None},
             {"text": "x"}, {"type": None}, {"type": "text", "text": []}]
BAD_TOOL_CALLS = ["x", 5, {}, [5], [{"id": 5}], [{"function": 5}], [{"function": {"name": 5}}], [{"function": {"arguments": {}}}]]
IGNORED_FIELDS = ["temperature", "top_p", "max_tokens", "max_completion_tokens", "presence_penalty", "frequency_penalty", "seed",
                  "stop", "logit_bias", "logprobs", "top_logprobs", "metadata", "store", "reasoning_effort", "modalities", "service_tier"]
IGNORED_VALUES = ["hot", [], {}, True, -1e300, [1, "x"], {"a": {"b": []}}, "", None]


def chat_field_cases(rng: random.Random, start: int) -> list[Case]:
    """Kind json, Chat Completions' own: wrong types at every field (400), ignored fields, missing required fields."""
    made = JsonCases(rng, start, CHAT)
    wrong_types(made)
    ignored_and_missing(made)
    return made.cases


def mutated(made: JsonCases, sub, change, values, expect=frozenset({400}), with_tools=False):
    """A simple chat body changed by `change(body, value)`, one case per value."""
    for value in values:
        body = chat_body(made.i)
        if with_tools:
            body["tools"] = [LOOKUP]
        change(body, value)
        made.add(sub, dumps(body), expect)


def top(field):
    return lambda body, value: body.__setitem__(field, value)


def message_field(field, index):
    return lambda body, value: body["messages"][index].__setitem__(field, value)


def assistant_calls(body, value):
    body["messages"][1:1] = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": None, "tool_calls": value}]


def wrong_types(made: JsonCases) -> None:
    """Wrong types at the top level and inside messages."""
    for field, values in [("model", WRONG["string"]), ("messages", WRONG["array"] + [None]), ("stream", WRONG["bool"]),
                          ("stream_options", BAD_STREAM_OPTIONS), ("n", WRONG["int"]), ("user", WRONG["string"]),
                          ("tools", BAD_TOOLS), ("functions", BAD_FUNCTIONS), ("parallel_tool_calls", WRONG["bool"]),
                          ("response_format", BAD_RESPONSE_FORMATS)]:
        mutated(made, f"wrong-type:{field}", top(field), values)
    for with_tools in (False, True):
        mutated(made, "wrong-type:tool_choice", top("tool_choice"), BAD_TOOL_CHOICES, with_tools=with_tools)
        mutated(made, "wrong-type:function_call", top("function_call"), BAD_TOOL_CHOICES[:6], with_tools=with_tools)
    for index in (0, 1):
        mutated(made, "wrong-type:messages[].role", message_field("role", index), BAD_ROLES)
        mutated(made, "wrong-type:messages[].content", message_field("content", index), BAD_CONTENT)
        mutated(made, "wrong-type:messages[].name", message_field("name", index), WRONG["string"])
        mutated(made, "wrong-type:messages[].tool_call_id", message_field("tool_call_id", index), WRONG["string"][:5])
    mutated(made, "wrong-type:messages[]", lambda body, value: body["messages"].insert(made.rng.randrange(3), value), [5, "hi", None, [], True, 1.5])
    mutated(made, "wrong-type:messages[].content[]", lambda body, value: body["messages"][1].__setitem__("content", [value]), BAD_PARTS)
    mutated(made, "wrong-type:messages[].content[]", lambda body, value: body["messages"][1].__setitem__(
        "content", [{"type": "text", "text": "first part"}, value]), BAD_PARTS)
    mutated(made, "wrong-type:messages[].tool_calls", assistant_calls, BAD_TOOL_CALLS)


def ignored_and_missing(made: JsonCases) -> None:
    """Fields the gateway ignores: any answer below 500 (these reach the simulator). Then missing required
    fields, and requests with nothing to answer."""
    rng = made.rng
    for field in IGNORED_FIELDS:
        for value in rng.sample(IGNORED_VALUES, 3):
            body = chat_body(made.i, **{field: value})
            made.add(f"wrong-type:ignored:{field}", dumps(body), "any")
    missing = [
        ("missing:messages", lambda b: b.pop("messages")),
        ("missing:messages[].role", lambda b: b["messages"][1].pop("role")),
        ("missing:content[].type", lambda b: b["messages"][1].__setitem__("content", [{"text": "hi"}])),
        ("missing:content[].text", lambda b: b["messages"][1].__setitem__("content", [{"type": "text"}])),
        ("missing:tools[].function", lambda b: b.__setitem__("tools", [{"type": "function"}])),
        ("missing:tools[].function.name", lambda b: b.__setitem__("tools", [{"type": "function", "function": {"description": "x"}}])),
        ("missing:functions[].name", lambda b: b.__setitem__("functions", [{"description": "x"}])),
        ("missing:tool_choice.function.name", lambda b: b.update(tools=[LOOKUP], tool_choice={"type": "function", "function": {}})),
        ("missing:response_format.type", lambda b: b.__setitem__("response_format", {"json_schema": {"schema": {}}})),
        ("empty:messages", lambda b: b.__setitem__("messages", [])),
        ("last-is-assistant", lambda b: b["messages"].append({"role": "assistant", "content": "done"})),
        ("empty-user-text", lambda b: b["messages"][1].__setitem__("content", "")),
        ("null-user-content", lambda b: b["messages"][1].__setitem__("content", None)),
        ("n-not-1", lambda b: b.__setitem__("n", rng.choice([2, 3, 0, -5, 100]))),
        ("tool_choice-unknown-function", lambda b: b.update(tools=[LOOKUP], tool_choice={"type": "function", "function": {"name": "nope"}})),
    ]
    for _ in range(3):
        for sub, change in missing:
            body = chat_body(made.i)
            change(body)
            made.add(sub, dumps(body))
        # OpenAI answers a conversation of only a system (or developer) message, as the gateway does.
        only = {"role": rng.choice(["system", "developer"]), "content": "Answer briefly."}
        made.add("no-user-message", dumps(chat_body(made.i, messages=[only])), frozenset({200}))


def legacy_function_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind toolname, Chat Completions' own: an invalid name in the legacy `functions`: 400 naming it."""
    cases = []
    for n in range(count):
        bad = BAD_NAMES[(n * 7) % len(BAD_NAMES)]
        names = rng.sample(GOOD_NAMES, rng.randrange(0, 3)) + [bad]
        rng.shuffle(names)
        body = chat_body(start + n, function_call="required",
                         functions=[{"name": name, "description": "A tool.", "parameters": {"type": "object", "properties": {}}} for name in names])
        cases.append(Case("toolname", "functions[].name", CHAT.post(dumps(body), start + n), frozenset({400}), param_prefix="functions["))
    return cases
