"""A bounded, seeded fuzz test: bad requests of every kind against the real gateway binary.

About 2,300 generated bad requests (malformed JSON and wrong types, deep nesting, invalid UTF-8 and lone
surrogates, invalid function names, HTTP framing errors on raw sockets, oversized bodies, API-key
variants, unknown paths and methods) go to a gateway started with an API key and a 1 MiB body limit,
eight at a time, while a separate process polls `GET /health` every 50 ms. The test asserts:

- the gateway process never exits (no crash) and never answers 5xx, not even where any other status is fine
  (wrong types in fields it ignores, bodies a lenient parser may take);
- every error it answers has the OpenAI body `{"error":{"message":str,"type":str,"param":str|null,"code":str|null}}`
  (exactly those keys) with a JSON content type, and the status each kind expects (400, 401, 413, 4xx);
- it answers every request it can frame a reply to: a silent close is tolerated (and listed) only after the
  client half-closed an unfinished request; nothing stalls (every case ends within CASE_TIMEOUT s);
- deeply nested JSON (more than 64 levels) gets a 400 within a second, and `/health` answers within 100 ms
  throughout (every probe after the first);
- all of it (at least 2,000 requests) finishes in under two minutes.

Every request is built from FUZZ_SEED (fixed, so every run sends the same bytes; set FUZZ_SEED to explore).
Run it alone, with its summary:  clients/run -s -k fuzz
The full per-case report goes to $CLIENT_SUITE_TMP/fuzz-stack/fuzz-report.json.
"""

import base64
import collections
import concurrent.futures
import dataclasses
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from typing import Callable
from urllib.parse import urlsplit

import pytest

from conftest import running_stack

SEED = int(os.environ.get("FUZZ_SEED", "20240611"))
FUZZ_KEY = "fuzz-suite-key-4f1c2a9e7b3d5c60"
MAX_BODY_MB = 1
LIMIT = MAX_BODY_MB << 20
WORKERS = 8
CASE_TIMEOUT = 3.0  # seconds for one case: connect, send, and the whole answer (or the close)
DEEP_SECONDS = 1.0  # a deeply nested body must be answered within this
RUN_BUDGET = 105.0  # seconds for all cases; the run stops by itself after that
HEALTH_LIMIT = 0.100
HEALTH_INTERVAL = 0.050
NESTING_LIMIT = 64
ERROR_KEYS = {"message", "type", "param", "code"}
HOST = "127.0.0.1"

KINDS = {
    "json": "malformed JSON, wrong types, missing fields",
    "deep": "deeply nested tools/json_schema",
    "utf8": "invalid UTF-8, lone surrogates, bad escapes",
    "toolname": "invalid function names (tool_choice required)",
    "framing": "HTTP framing errors on raw sockets",
    "oversize": f"bodies over GATEWAY_MAX_BODY_MB={MAX_BODY_MB}",
    "auth": "API key variants",
    "route": "unknown paths, methods, odd queries",
}


# ---------------------------------------------------------------------------------------------- cases


@dataclasses.dataclass
class Case:
    kind: str
    sub: str  # what variant, for grouping the report
    data: bytes | Callable[[], bytes]  # the raw request (a callable for the large ones, built in the worker)
    expect: str | frozenset = "4xx"  # "4xx", "any" (anything below 500) or a set of exact statuses
    param: str | None = None  # the `error.param` expected, exactly
    param_prefix: str | None = None  # ... or a prefix of it
    code: str | None = None  # the `error.code` expected
    half_close: bool = False  # shutdown(SHUT_WR) after sending
    silent_ok: bool = False  # a close without an answer is tolerated (recorded)
    head: bool = False  # a HEAD request: the answer has no body
    max_seconds: float | None = None  # the answer must come within this
    expect_continue: bool = False  # send the head, wait briefly for 100 Continue (or the final answer), then the body
    index: int = 0

    def payload(self) -> bytes:
        return self.data() if callable(self.data) else self.data

    def head_bytes(self) -> bytes:
        data = self.payload()
        return data[: data.find(b"\r\n\r\n") + 4] if b"\r\n\r\n" in data else data


def request_bytes(method: str, target: str, body: bytes | None = None, headers: list | None = None, *, key: str | None = FUZZ_KEY,
                  content_type: str | None = "application/json", content_length: bool = True, host: bool = True) -> bytes:
    """An HTTP/1.1 request as bytes; header values may be bytes (sent as they are)."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1")]
    if host:
        lines.append(f"Host: {HOST}".encode())
    if key is not None:
        lines.append(f"Authorization: Bearer {key}".encode())
    if content_type is not None and body is not None:
        lines.append(f"Content-Type: {content_type}".encode("latin-1"))
    for name, value in headers or []:
        name = name if isinstance(name, bytes) else name.encode("latin-1")
        value = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name + b": " + value)
    if body is not None and content_length:
        lines.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def post_chat(body: bytes, headers: list | None = None, **options) -> bytes:
    return request_bytes("POST", "/v1/chat/completions", body, headers, **options)


def chat_body(i: int, **extra) -> dict:
    body = {
        "model": "copilot",
        "messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": f"fuzz case {i}"}],
        "user": f"fuzz-{i}",
    }
    body.update(extra)
    return body


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


LOOKUP = {"type": "function", "function": {"name": "lookup", "description": "Look a word up.",
                                           "parameters": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}}}

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


def json_cases(rng: random.Random, start: int) -> list[Case]:
    """Kind 1: malformed JSON bodies, wrong types at every field, missing required fields."""
    cases: list[Case] = []
    i = start

    def add(sub, body: bytes, expect=frozenset({400}), **options):
        nonlocal i
        i += 1
        cases.append(Case("json", sub, post_chat(body, **options), expect))

    def mutated(sub, change, values, expect=frozenset({400}), with_tools=False):
        for value in values:
            nonlocal i
            body = chat_body(i)
            if with_tools:
                body["tools"] = [LOOKUP]
            change(body, value)
            add(sub, dumps(body), expect)

    def top(field):
        return lambda body, value: body.__setitem__(field, value)

    # Wrong types, top-level fields.
    for field, values in [("model", WRONG["string"]), ("messages", WRONG["array"] + [None]), ("stream", WRONG["bool"]),
                          ("stream_options", BAD_STREAM_OPTIONS), ("n", WRONG["int"]), ("user", WRONG["string"]),
                          ("tools", BAD_TOOLS), ("functions", BAD_FUNCTIONS), ("parallel_tool_calls", WRONG["bool"]),
                          ("response_format", BAD_RESPONSE_FORMATS)]:
        mutated(f"wrong-type:{field}", top(field), values)
    for with_tools in (False, True):
        mutated("wrong-type:tool_choice", top("tool_choice"), BAD_TOOL_CHOICES, with_tools=with_tools)
        mutated("wrong-type:function_call", top("function_call"), BAD_TOOL_CHOICES[:6], with_tools=with_tools)

    # Wrong types inside messages.
    def message_field(field, index):
        return lambda body, value: body["messages"][index].__setitem__(field, value)

    for index in (0, 1):
        mutated("wrong-type:messages[].role", message_field("role", index), BAD_ROLES)
        mutated("wrong-type:messages[].content", message_field("content", index), BAD_CONTENT)
        mutated("wrong-type:messages[].name", message_field("name", index), WRONG["string"])
        mutated("wrong-type:messages[].tool_call_id", message_field("tool_call_id", index), WRONG["string"][:5])
    mutated("wrong-type:messages[]", lambda body, value: body["messages"].insert(rng.randrange(3), value), [5, "hi", None, [], True, 1.5])
    mutated("wrong-type:messages[].content[]", lambda body, value: body["messages"][1].__setitem__("content", [value]), BAD_PARTS)
    mutated("wrong-type:messages[].content[]", lambda body, value: body["messages"][1].__setitem__(
        "content", [{"type": "text", "text": "first part"}, value]), BAD_PARTS)

    def assistant_calls(body, value):
        body["messages"][1:1] = [{"role": "user", "content": "earlier"}, {"role": "assistant", "content": None, "tool_calls": value}]

    mutated("wrong-type:messages[].tool_calls", assistant_calls, BAD_TOOL_CALLS)

    # Fields the gateway ignores: any answer below 500 (these reach the simulator).
    for field in IGNORED_FIELDS:
        for value in rng.sample(IGNORED_VALUES, 3):
            body = chat_body(i, **{field: value})
            add(f"wrong-type:ignored:{field}", dumps(body), "any")

    # Missing required fields, and requests with nothing to answer.
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
        ("no-user-message", lambda b: b.__setitem__("messages", [b["messages"][0]])),
        ("last-is-assistant", lambda b: b["messages"].append({"role": "assistant", "content": "done"})),
        ("empty-user-text", lambda b: b["messages"][1].__setitem__("content", "")),
        ("null-user-content", lambda b: b["messages"][1].__setitem__("content", None)),
        ("n-not-1", lambda b: b.__setitem__("n", rng.choice([2, 3, 0, -5, 100]))),
        ("tool_choice-unknown-function", lambda b: b.update(tools=[LOOKUP], tool_choice={"type": "function", "function": {"name": "nope"}})),
    ]
    for _ in range(3):
        for sub, change in missing:
            body = chat_body(i)
            change(body)
            add(sub, dumps(body))

    # Malformed JSON.
    for _ in range(90):
        body = chat_body(i, tools=[LOOKUP]) if rng.random() < 0.3 else chat_body(i)
        text = dumps(body)
        add("malformed:truncated", text[: rng.randrange(len(text))])
    soup = ["{", "}", "[", "]", ":", ",", '"a"', "1", "true", "null", " ", '"messages"', "-", "e", '"', "\\"]
    garbage = 0
    while garbage < 50:
        if rng.random() < 0.5:
            text = "".join(rng.choice(soup) for _ in range(rng.randrange(1, 40)))
        else:
            text = "".join(chr(rng.randrange(33, 127)) for _ in range(rng.randrange(1, 200)))
        try:
            json.loads(text)
            continue  # valid by chance: not malformed
        except ValueError:
            pass
        garbage += 1
        add("malformed:garbage", text.encode())
    for _ in range(45):
        junk = rng.choice(["x", "}", "]", ",", "{}", "[]", "null", "0", '"s"', "\x00", "//c", ", {}", "\n{}", " true", "\u00e9"])
        add("malformed:trailing-junk", dumps(chat_body(i)) + junk.encode())
    for text in ["[]", "5", '"text"', "null", "true", "false", "1.5", '""', "-0", "[null]", "[{}]", "1e999"] * 2:
        add("malformed:not-an-object", text.encode())
    for _ in range(2):
        add("malformed:not-an-object", dumps([chat_body(i)]))
    syntax = [
        "{'model': 'copilot', 'messages': [{'role': 'user', 'content': 'hi'}]}",
        '{"messages": [{"role": "user", "content": "hi"}] /* comment */}',
        '// comment\n{"messages": [{"role": "user", "content": "hi"}]}',
        '{"messages": [{"role": "user", "content": "hi"}], "temperature": NaN}',
        '{"messages": [{"role": "user", "content": "hi"}], "temperature": Infinity}',
        '{"messages": [{"role": "user", "content": "hi"}], "temperature": -Infinity}',
        '{messages: [{"role": "user", "content": "hi"}]}',
        '{"messages": [{"role": "user", "content": "hi"}], "n": 0x1}',
        '{"messages": [{"role": "user", "content": "hi"}], "n": 01}',
        '{"messages": [{"role": "user", "content": "hi"}], "n": +1}',
        '{"messages": [{"role": "user", "content": "hi"}], "temperature": .5}',
        '{"messages": [{"role": "user", "content": "line\nbreak"}]}',
        '{"messages": [{"role": "user", "content": "tab\there"}]}',
        '{"messages": [{"role": "user", "content": "nul\x00here"}]}',
        '{"messages": [{"role": "user", "content": "hi"}]',
        '{"messages": [{"role": "user", "content": "hi"}]}}',
        '{"messages" [{"role": "user", "content": "hi"}]}',
        '{"messages": [{"role": "user" "content": "hi"}]}',
        '{"messages": [{"role": "user", "content": "hi}]}',
        '{"messages": [{"role": "user", "content": True}]}',
        '{"messages": [{"role": "user", "content": undefined}]}',
    ]
    for text in syntax * 2:
        add("malformed:syntax", text.encode())
    # Trailing commas are not JSON, but a lenient parser may take them: any answer below 500.
    for text in ['{"messages": [{"role": "user", "content": "hi"},]}', '{"messages": [{"role": "user", "content": "hi"}],}'] * 2:
        add("malformed:trailing-comma (lenient ok)", text.encode(), "any")
    for text in [b"", b" ", b"\n", b"\r\n\t ", b"\x00", b"\xef\xbb\xbf"]:
        add("malformed:empty", text)
    add("malformed:empty", b"", content_length=False)  # a POST with no body at all
    # A BOM before a valid body, and odd content types (any answer below 500).
    add("odd:bom", b"\xef\xbb\xbf" + dumps(chat_body(i)), "any")
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", None]:
        add("odd:content-type+malformed", b'{"messages": [', "4xx", content_type=content_type)
    return cases


def nested(rng: random.Random, depth: int, size: int) -> tuple[str, str]:
    """JSON text nested `depth` containers deep, padded to about `size` bytes."""
    shape = rng.choice(["object", "array", "mixed", "schema"])
    pad = max(0, size // max(depth, 1) - 40)
    filler = "p" * pad
    if shape == "object":
        return shape, '{"a":' * depth + "1" + "}" * depth
    if shape == "array":
        return shape, "[" * depth + "1" + "]" * depth
    if shape == "mixed":
        opens, closes = [], []
        for level in range(depth):
            if level % 2:
                opens.append('["x",')
                closes.append("]")
            else:
                opens.append('{"items":')
                closes.append("}")
        return shape, "".join(opens) + "{}" + "".join(reversed(closes))
    opening = '{"type":"object","description":"' + filler + '","properties":{"p":'
    # Two containers a level: the schema object and its "properties".
    levels = max(1, depth // 2)
    return shape, opening * levels + '{"type":"string"}' + "}}" * levels


def deep_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 2: deeply nested JSON in tools[i].function.parameters and response_format.json_schema.schema."""
    cases = []
    for n in range(count):
        i = start + n
        bucket = n % 5
        if bucket == 0:
            depth = rng.randint(10, 50)  # within the limit: the request is made bad otherwise (n: 2)
        elif bucket in (1, 2):
            depth = rng.randint(NESTING_LIMIT + 16, 300)
        elif bucket == 3:
            depth = rng.randint(300, 1000)
        else:
            depth = rng.randint(1000, 2000)
        size = rng.choice([0, 0, 10_000, 50_000, 100_000])
        shape, text = nested(rng, depth, size)
        where = rng.choice(["tools", "tools", "response_format"])
        body = chat_body(i)
        if where == "tools":
            tools = [LOOKUP, {"type": "function", "function": {"name": "deep", "description": "Nested.", "parameters": "__DEEP__"}}]
            rng.shuffle(tools)
            body.update(tools=tools, tool_choice=rng.choice(["auto", "required"]))
        else:
            body["response_format"] = {"type": "json_schema", "json_schema": {"name": "deep", "schema": "__DEEP__"}}
        within = depth <= 50
        if within:
            body["n"] = 2
        raw = dumps(body).replace(b'"__DEEP__"', text.encode())
        sub = f"{where}:{'<=50 (+n:2)' if within else '>64'}:{shape}"
        bucket_name = "d10-50" if within else ("d80-300" if depth <= 300 else ("d300-1000" if depth <= 1000 else "d1000-2000"))
        case = Case("deep", f"{sub}:{bucket_name}", post_chat(raw), frozenset({400}), max_seconds=DEEP_SECONDS)
        cases.append(case)
    return cases


BAD_UTF8 = [b"\xff", b"\xfe", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc3", b"\xc3\x28",
            b"\xe2\x82", b"\x80", b"\xf4\x90\x80\x80", b"\xbf\xbf", b"caf\xe9"]
SURROGATES = [r"\ud800", r"\udc00x", r"\udbff", r"a\ud800b", r"\ud800\ud800", r"\udc00\ud800", r"\ud800\u0041", r"\ud83d",
              r"\ude00", r"x\udfff"]
BAD_ESCAPES = [r"\x41", r"\u12", r"\uZZZZ", r"\U0001F600", r"\'", r"\a", "abc\\", r"\ud800\u12", r"\u", r"\ud800\uZZZZ"]


def utf8_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 3: bodies that are not UTF-8, lone surrogate escapes, invalid escapes."""
    places = ["content", "model", "user", "system", "key", "tool-description", "part-text"]

    def body_with(i: int, place: str) -> bytes:
        body = chat_body(i)
        if place == "content":
            body["messages"][1]["content"] = "__BAD__"
        elif place == "model":
            body["model"] = "__BAD__"
        elif place == "user":
            body["user"] = "__BAD__"
        elif place == "system":
            body["messages"][0]["content"] = "__BAD__"
        elif place == "key":
            body["__BAD__"] = 1
        elif place == "tool-description":
            body["tools"] = [{"type": "function", "function": {"name": "lookup", "description": "__BAD__", "parameters": {"type": "object"}}}]
        else:
            body["messages"][1]["content"] = [{"type": "text", "text": "__BAD__"}]
        return dumps(body)

    cases = []
    for n in range(count):
        i = start + n
        place = rng.choice(places)
        variant = n % 3
        if variant == 0:
            bad = rng.choice(BAD_UTF8)
            raw = body_with(i, place).replace(b"__BAD__", b"fuzz " + bad + b" text")
            cases.append(Case("utf8", f"invalid-utf8:{place}", post_chat(raw), "any"))
        elif variant == 1:
            escape = rng.choice(SURROGATES)
            raw = body_with(i, place).replace(b"__BAD__", b"fuzz " + escape.encode() + b" text")
            cases.append(Case("utf8", f"lone-surrogate:{place}", post_chat(raw), "any"))
        else:
            escape = rng.choice(BAD_ESCAPES)
            raw = body_with(i, place).replace(b"__BAD__", b"fuzz " + escape.encode())
            cases.append(Case("utf8", f"bad-escape:{place}", post_chat(raw), frozenset({400})))
    # A whole body in Latin-1 and in UTF-16.
    text = json.dumps(chat_body(start, messages=[{"role": "user", "content": "caf\u00e9 na\u00efve"}]), ensure_ascii=False)
    cases.append(Case("utf8", "invalid-utf8:latin-1 body", post_chat(text.encode("latin-1")), "any"))
    cases.append(Case("utf8", "utf-16 body", post_chat(text.encode("utf-16")), "any"))
    cases.append(Case("utf8", "utf-16 body", post_chat(text.encode("utf-16-le")), "any"))
    return cases


BAD_NAMES = ["", " ", "  ", "get weather", " lookup", "lookup ", "a" * 65, "b" * 100, "c" * 1000, "wetter_\u2600", "\u51fd\u6570",
             "na\u00efve", "a.b", "tools.lookup", "a/b", "a:b", "a\nb", "a\tb", "a\u0000b", "\U0001F600", "a,b", "a(b)", "a;b",
             "<tool_call>", '"quoted"', "a\\b", "x" * 64 + "\u00e9", "a b c", "-" * 65, "\u200b", "lookup\u00a0", "a+b", "a=b", "{}"]
GOOD_NAMES = ["lookup", "get_weather", "send-mail", "A1", "x" * 64]


def toolname_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 4: invalid function names with tool_choice "required": 400 naming the tool."""
    cases = []
    for n in range(count):
        i = start + n
        bad = BAD_NAMES[n % len(BAD_NAMES)]
        others = rng.sample(GOOD_NAMES, rng.randrange(0, 3))
        index = rng.randrange(len(others) + 1)
        names = others[:index] + [bad] + others[index:]
        functions = [{"name": name, "description": "A tool.", "parameters": {"type": "object", "properties": {}}} for name in names]
        body = chat_body(i, tool_choice="required")
        if n % 7 == 6:  # the legacy `functions`
            body["functions"] = functions
            body.pop("tool_choice")
            body["function_call"] = "required"
            case = Case("toolname", "functions[].name", post_chat(dumps(body)), frozenset({400}), param_prefix="functions[")
        else:
            body["tools"] = [{"type": "function", "function": f} for f in functions]
            label = "empty" if bad == "" else ("too-long" if len(bad) > 64 else ("blank" if not bad.strip() else "bad-chars"))
            case = Case("toolname", f"tools[].function.name:{label}", post_chat(dumps(body)), frozenset({400}),
                        param=f"tools[{index}].function.name")
        cases.append(case)
    return cases


def chunked(body: bytes, rng: random.Random) -> bytes:
    out, at = b"", 0
    while at < len(body):
        size = rng.randint(1, max(1, len(body) // 3))
        out += f"{size:x}\r\n".encode() + body[at:at + size] + b"\r\n"
        at += size
    return out + b"0\r\n\r\n"


def framing_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 5: HTTP framing errors, sent as raw bytes."""
    head = f"POST /v1/chat/completions HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {FUZZ_KEY}\r\nContent-Type: application/json\r\n"
    templates: list[Callable[[int, bytes], Case]] = []

    def te_head(te: str = "chunked") -> bytes:
        return (head + f"Transfer-Encoding: {te}\r\n\r\n").encode()

    def bad_hex(i, body):
        size = rng.choice(["zz", "-1", "0x10", "f" * 25, "g1", "1g", "+5", "5\x00", "", "1_0"])
        return Case("framing", "chunked:bad-hex-size", te_head() + size.encode() + b"\r\n" + body[:16] + b"\r\n0\r\n\r\n", frozenset({400}))

    def missing_crlf(i, body):
        cut = rng.randrange(1, len(body))
        tail = rng.choice([b"0\r\n\r\n", b"XY0\r\n\r\n", b"\r0\r\n\r\n", b"\x000\r\n\r\n"])
        return Case("framing", "chunked:missing-crlf", te_head() + f"{cut:x}\r\n".encode() + body[:cut] + tail, frozenset({400}))

    def size_beyond_data(i, body):
        cut = rng.randrange(1, len(body))
        return Case("framing", "chunked:size>data+half-close", te_head() + f"{len(body) + 100:x}\r\n".encode() + body[:cut],
                    frozenset({400}), half_close=True, silent_ok=True)

    def no_last_chunk(i, body):
        return Case("framing", "chunked:no-last-chunk+half-close", te_head() + f"{len(body):x}\r\n".encode() + body + b"\r\n",
                    frozenset({400}), half_close=True, silent_ok=True)

    def te_identity(i, body):
        if rng.random() < 0.5:
            data = (head + f"Transfer-Encoding: identity\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            return Case("framing", "te:identity+content-length", data, frozenset({400}))
        return Case("framing", "te:identity", te_head("identity") + body, frozenset({400}))

    def te_bogus(i, body):
        te = rng.choice(["bogus", "chunked, bogus", "x-chunked", "chunked, identity", "gzip", "identity"])
        return Case("framing", "te:bogus", te_head(te) + chunked(body, rng), frozenset({400}))

    def te_odd_but_chunked_last(i, body):
        te = rng.choice(["bogus, chunked", "gzip, chunked", "identity, chunked", "chunked, chunked", "chunked;q=1"])
        return Case("framing", "te:other-then-chunked", te_head(te) + chunked(body, rng), "4xx")

    def te_and_length(i, body):
        data = (head + f"Content-Length: {len(body)}\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + chunked(body, rng)
        return Case("framing", "te+content-length", data, "any")

    def length_beyond_body(i, body):
        cut = rng.randrange(0, len(body))
        data = (head + f"Content-Length: {len(body) + rng.randint(1, 5000)}\r\n\r\n").encode() + body[:cut]
        return Case("framing", "content-length>body+half-close", data, frozenset({400}), half_close=True, silent_ok=True)

    def bad_length(i, body):
        value = rng.choice(["abc", "-1", "1.5", "0x10", f"{len(body)}, {len(body) + 1}", "", " ", "1e3", "99999999999999999999999", "+5"])
        data = (head + f"Content-Length: {value}\r\n\r\n").encode() + body
        return Case("framing", "content-length:invalid", data, frozenset({400}))

    def two_lengths(i, body):
        data = (head + f"Content-Length: {len(body)}\r\nContent-Length: {len(body) + 3}\r\n\r\n").encode() + body + b"   "
        return Case("framing", "content-length:two-different", data, frozenset({400}))

    def garbage_line(i, body):
        line = rng.choice([
            b"GARBAGE", b"GET", b"GET /", b"GET / HTTP/1.1 extra", b"G ET / HTTP/1.1", b"get /health HTTP/1.1", b"GE<T / HTTP/1.1",
            b"POST /v1/chat/completions HTTX/1.1", b"POST /v1/chat/completions HTTP/1.x", b"POST /v1/chat/completions HTTP/", b"\x00\x01\x02\x03",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"PRI * HTTP/2.0", b"GET /a b HTTP/1.1", b"GET\t/\tHTTP/1.1", b"/health HTTP/1.1",
            b"GET /\x01 HTTP/1.1", b"POST /v1/chat/completions HTTP/1.1\x00", bytes(rng.randrange(1, 256) for _ in range(rng.randrange(4, 60))),
        ])
        line = line.replace(b"\r", b"").replace(b"\n", b"")
        return Case("framing", "garbage-request-line", line + f"\r\nHost: {HOST}\r\n\r\n".encode(), "4xx")

    def odd_version(i, body):
        version = rng.choice(["HTTP/2.0", "HTTP/9.9", "HTTP/1.2", "HTTP/0.9", "HTTP/3"])
        data = f"GET /health {version}\r\nHost: {HOST}\r\n\r\n".encode()
        return Case("framing", "odd-http-version", data, "any")

    def bad_header_bytes(i, body):
        header, strict = rng.choice([
            (b"Bad Header: x", True), (b"Bad(Name): x", True), (b"X-Nul\x00: x", True), (b"NoColonHere", True), (b": empty-name", True),
            (b"X-Value: a\x00b", False), (b"X-Value: a\x01b", False), (b"X-Value: a\x7fb", False), (b"X-Value: a\rb", False),
            (b"X-Value: \xff\xfe", False), (b" X-Folded: x", False), (b"X-Value: a\x0bb", False), (b"X-\xe9: x", True),
        ])
        data = (head + f"Content-Length: {len(body)}\r\n").encode() + header + b"\r\n\r\n" + body
        return Case("framing", "invalid-header-bytes" + ("" if strict else ":ambiguous"), data, "4xx" if strict else "any")

    def bare_lf(i, body):
        data = (head + f"Content-Length: {len(body)}\r\n\r\n").replace("\r\n", "\n").encode() + body
        return Case("framing", "bare-lf-line-ends", data, "any")

    def oversized_headers(i, body):
        variant = rng.choice(["one-large", "many", "long-target"])
        if variant == "one-large":
            extra = "X-Big: " + "a" * rng.randint(90_000, 130_000) + "\r\n"
            data = (head + extra + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        elif variant == "many":
            extra = "".join(f"X-H{n}: {'v' * 40}\r\n" for n in range(rng.randint(2500, 4000)))
            data = (head + extra + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        else:
            data = f"GET /v1/models?q={'q' * rng.randint(90_000, 130_000)} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {FUZZ_KEY}\r\n\r\n".encode()
        return Case("framing", f"oversized-headers:{variant}", data, "4xx")

    def no_host(i, body):
        data = f"POST /v1/chat/completions HTTP/1.1\r\nAuthorization: Bearer {FUZZ_KEY}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        return Case("framing", "no-host+bad-body", data, "4xx")

    def connect(i, body):
        # HTTP/1.1 gives an answer to CONNECT no body (NIO's encoder drops it, as RFC 9112 frames it): the
        # refusal is its status, 405, and the connection is closed after it.
        return Case("framing", "connect", f"CONNECT {HOST}:9 HTTP/1.1\r\nHost: {HOST}:9\r\n\r\n".encode(), frozenset({405}), head=True)

    def upgrade(i, body):
        data = (head + f"Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        return Case("framing", "upgrade-h2c+bad-body", data, "4xx")

    weighted = [(bad_hex, 4), (missing_crlf, 3), (size_beyond_data, 3), (no_last_chunk, 2), (te_identity, 3), (te_bogus, 3),
                (te_odd_but_chunked_last, 2), (te_and_length, 1), (length_beyond_body, 3), (bad_length, 3), (two_lengths, 1),
                (garbage_line, 4), (odd_version, 1), (bad_header_bytes, 4), (bare_lf, 1), (oversized_headers, 2), (no_host, 1),
                (connect, 1), (upgrade, 1)]
    for template, weight in weighted:
        templates += [template] * weight
    # Where the framing itself must be refused (RFC 9112: a bad chunk, a Transfer-Encoding whose last coding is not
    # chunked, an invalid Content-Length), half the cases carry a valid chat request, so a parser that lets the
    # framing through shows as a 200; the other cases, and all the rest, carry a body the handler refuses (400).
    valid_ok = {bad_hex, missing_crlf, size_beyond_data, no_last_chunk, te_identity, te_bogus, length_beyond_body, bad_length,
                two_lengths, te_and_length, bare_lf, bad_header_bytes}
    cases = []
    for n in range(count):
        i = start + n
        template = templates[n % len(templates)]
        if template in valid_ok and rng.random() < 0.5:
            body = dumps(chat_body(i))
        else:
            body = dumps({"messages": rng.choice([5, "x", [], [{"role": "nobody"}]]), "user": f"fuzz-{i}"})
        cases.append(template(i, body))
    return cases


def oversize_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 6: bodies over the limit: 413 with the OpenAI body, promptly, also with `Connection: close`."""
    cases = []
    variants = ["length", "length+close", "chunked", "chunked+close", "expect-100", "declared-huge"]
    for n in range(count):
        i = start + n
        variant = variants[n % len(variants)]
        size = rng.randint(LIMIT + 1, LIMIT * 5 // 2)

        def make(size=size, variant=variant, i=i, seed=rng.randrange(1 << 30)):
            local = random.Random(seed)
            prefix = json.dumps({"model": "copilot", "user": f"fuzz-{i}", "messages": [{"role": "user", "content": ""}]})[:-4]
            body = prefix.encode() + b"x" * (size - len(prefix) - 4) + b'"}]}'
            headers = [("Connection", "close")] if variant.endswith("+close") else []
            if variant.startswith("chunked"):
                pieces, at = [], 0
                while at < len(body):
                    step = local.randint(1 << 14, 1 << 18)
                    pieces.append(f"{len(body[at:at + step]):x}\r\n".encode() + body[at:at + step] + b"\r\n")
                    at += step
                return post_chat(None, headers + [("Transfer-Encoding", "chunked")]) + b"".join(pieces) + b"0\r\n\r\n"
            if variant == "expect-100":
                return post_chat(body, [("Expect", "100-continue")])
            if variant == "declared-huge":
                # Five GiB declared; the limit plus 64 KiB sent; then the client waits for its answer.
                return post_chat(None, [("Content-Length", str(5 << 30))]) + body[: LIMIT + (64 << 10)]
            return post_chat(body, headers)

        cases.append(Case("oversize", variant, make, frozenset({413}), code="request_too_large", expect_continue=variant == "expect-100"))
    return cases


def auth_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 7: missing, wrong and odd credentials against a gateway with an API key: 401 invalid_api_key."""
    key = FUZZ_KEY
    b64 = base64.b64encode
    variants: list[tuple[str, list, str, str | frozenset]] = [
        ("none", [], "", frozenset({401})),
        ("bearer-wrong", [("Authorization", "Bearer wrong-key-000000000000000")], "", frozenset({401})),
        ("bearer-empty", [("Authorization", "Bearer ")], "", frozenset({401})),
        ("bearer-no-token", [("Authorization", "Bearer")], "", frozenset({401})),
        ("bearer-no-space", [("Authorization", "Bearer" + key)], "", frozenset({401})),
        ("bearer-tab", [("Authorization", "Bearer\t" + key)], "", frozenset({401})),
        ("basic-key", [("Authorization", "Basic " + b64(key.encode()).decode())], "", frozenset({401})),
        ("basic-user-key", [("Authorization", "Basic " + b64(("user:" + key).encode()).decode())], "", frozenset({401})),
        ("token-scheme", [("Authorization", "Token " + key)], "", frozenset({401})),
        ("no-scheme", [("Authorization", key)], "", frozenset({401})),
        ("key+suffix", [("Authorization", "Bearer " + key + "x")], "", frozenset({401})),
        ("key-prefix", [("Authorization", "Bearer " + key[:-1])], "", frozenset({401})),
        ("key-upper", [("Authorization", "Bearer " + key.upper())], "", frozenset({401})),
        ("key-reversed", [("Authorization", "Bearer " + key[::-1])], "", frozenset({401})),
        ("key-twice", [("Authorization", f"Bearer {key} {key}")], "", frozenset({401})),
        ("bearer-8k", [("Authorization", "Bearer " + "k" * 8000)], "", frozenset({401})),
        ("bearer-latin1", [("Authorization", b"Bearer \xe9\xe9\xe9")], "", frozenset({401})),
        ("bearer-utf8", [("Authorization", "Bearer \u00e9\u00e9".encode())], "", frozenset({401})),
        ("bearer-null", [("Authorization", "Bearer null")], "", frozenset({401})),
        ("bearer-undefined", [("Authorization", "Bearer undefined")], "", frozenset({401})),
        ("x-api-key-wrong", [("x-api-key", "wrong-key-000000000000000")], "", frozenset({401})),
        ("x-api-key-empty", [("x-api-key", "")], "", frozenset({401})),
        ("x-api-key-bearer", [("x-api-key", "Bearer " + key)], "", frozenset({401})),
        ("x-api-key+suffix", [("x-api-key", key + "x")], "", frozenset({401})),
        ("api-key-header", [("api-key", key)], "", frozenset({401})),
        ("proxy-authorization", [("Proxy-Authorization", "Bearer " + key)], "", frozenset({401})),
        ("cookie", [("Cookie", f"api_key={key}")], "", frozenset({401})),
        ("query:api_key", [], f"?api_key={key}", frozenset({401})),
        ("query:key", [], f"?key={key}", frozenset({401})),
        ("query:access_token", [], f"?access_token={key}", frozenset({401})),
        ("query:api-key", [], f"?api-key={key}", frozenset({401})),
        ("query:authorization", [], f"?Authorization=Bearer%20{key}", frozenset({401})),
        ("wrong-bearer+wrong-x-api-key", [("Authorization", "Bearer nope-nope-nope-nope"), ("x-api-key", "nope-nope-nope-nope")], "", frozenset({401})),
        ("wrong-bearer+good-x-api-key", [("Authorization", "Bearer nope-nope-nope-nope"), ("x-api-key", key)], "", "any"),
        ("two-authorizations", [("Authorization", "Bearer nope-nope-nope-nope"), ("Authorization", "Bearer " + key)], "", "any"),
    ]
    cases = []
    for n in range(count):
        i = start + n
        sub, headers, query, expect = variants[n % len(variants)]
        target = rng.choice(["/v1/chat/completions", "/chat/completions", "/v1/models", "/models", "/v1/images/generations"])
        if target.endswith("models"):
            data = request_bytes("GET", target + query, None, headers, key=None)
        elif target.endswith("generations"):
            data = request_bytes("POST", target + query, dumps({"prompt": "a cat"}), headers, key=None)
        else:
            data = request_bytes("POST", target + query, dumps(chat_body(i)), headers, key=None)
        code = "invalid_api_key" if expect == frozenset({401}) else None
        cases.append(Case("auth", sub, data, expect, code=code))
    return cases


def route_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 8: unknown paths and methods, odd query strings, percent-encoding junk in the path."""
    bad_body = b'{"messages": 5}'
    words = ["v1", "v2", "chat", "completions", "models", "admin", "..", ".", "%2e%2e", "etc", "passwd", "api", "x", "", "health"]
    junk_paths = ["/%", "/%zz", "/%0", "/%00", "/%ff%fe", "/%c0%af", "/v1/%ZZ", "/v1/chat%2Fcompletions", "/v1/chat/completions%00",
                  "/v1/chat/completions%20", "/%2e%2e/%2e%2e/etc/passwd", "/v1/models/../../etc/passwd", "/..%2f..%2fetc%2fpasswd",
                  "/v1/%E2%80%AE", "/v1/%u0041", "/v1/chat/completions/%", "/%%%%", "/v1/models%3Fapi_key=x", "/\\..\\..\\windows",
                  "/v1/chat/completions;jsessionid=x"]
    odd_queries = ["?", "?%", "?a=%zz", "?&&&", "?=", "?a[]=1&a[]=2", "?a=1&a=2", "?" + "q=" + "%41" * 2000, "?\u00e9".encode().decode("latin-1"),
                   "?a=%00", "?stream=true", "?model=copilot&n=5", "#frag", "?x#y", "?%2e%2e", "?a=%ff%fe", "?" + "&" * 3000]
    methods = ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "LINK", "PURGE", "MKCOL", "SEARCH", "REPORT", "FOO", "get", "M-SEARCH"]
    known = ["/v1/chat/completions", "/chat/completions", "/v1/models", "/models", "/health", "/healthz", "/readyz", "/metrics",
             "/v1/images/generations", "/login"]
    cases = []
    for n in range(count):
        variant = n % 6
        if variant == 0:
            path = "/" + "/".join(rng.choice(words) for _ in range(rng.randint(1, 5)))
            if path.rstrip("/") in {p for p in known} or path.strip("/") in {"", "v1/models", "models", "health"}:
                path = "/nope" + path
            method = rng.choice(["GET", "POST"])
            data = request_bytes(method, path, bad_body if method == "POST" else None)
            cases.append(Case("route", f"unknown-path:{method}", data, frozenset({404})))
        elif variant == 1:
            path = rng.choice(known)
            method = rng.choice(methods)
            data = request_bytes(method, path, bad_body if rng.random() < 0.5 else None)
            cases.append(Case("route", f"method:{'unknown' if method in ('FOO', 'get', 'M-SEARCH') else 'unsupported'}", data, "4xx"))
        elif variant == 2:
            path = rng.choice(["/v1/chat/completions", "/chat/completions", "/v1/images/generations", "/v1/models", "/health", "/readyz", "/login", "/metrics"])
            if path in ("/v1/chat/completions", "/chat/completions", "/v1/images/generations"):
                method = rng.choice(["GET", "GET", "HEAD", "OPTIONS"])
            else:
                method = rng.choice(["HEAD", "OPTIONS"] + ([] if path == "/login" else ["POST"]))  # POST /login starts a sign-in
            data = request_bytes(method, path, None)
            if method == "HEAD":
                cases.append(Case("route", "method:HEAD", data, "any", head=True))
            elif method == "OPTIONS":
                cases.append(Case("route", "method:OPTIONS", data, "any"))
            else:
                cases.append(Case("route", f"wrong-method:{method}-on-{'POST' if method == 'GET' else 'GET'}-route", data, "4xx"))
        elif variant == 3:
            path = rng.choice(["/v1/models", "/models", "/health", "/healthz", "/readyz"])
            data = request_bytes("GET", path + rng.choice(odd_queries), None)
            cases.append(Case("route", "odd-query:GET", data, "any"))
        elif variant == 4:
            data = request_bytes("POST", "/v1/chat/completions" + rng.choice(odd_queries), bad_body)
            cases.append(Case("route", "odd-query:POST-bad-body", data, "4xx"))
        else:
            path = rng.choice(junk_paths + ["/" + "a" * rng.randint(2000, 16000), "/v1/" + "%41" * rng.randint(100, 3000), "*",
                                            f"http://{HOST}/v1/nope", "/v1/\u00e9".encode().decode("latin-1")])
            method = rng.choice(["GET", "POST"])
            data = request_bytes(method, path, bad_body if method == "POST" else None)
            cases.append(Case("route", "junk-path", data, "4xx"))
    # Requests for the OpenAI API with the right key but the wrong body stay 400 whatever the route spelling.
    for path in ["/v1/chat/completions/", "//v1/chat/completions", "/v1//chat/completions", "/V1/CHAT/COMPLETIONS", "/v1/chat/completions?"]:
        cases.append(Case("route", "path-spelling:POST-bad-body", request_bytes("POST", path, bad_body), "4xx"))
    return cases


def build_cases(seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    cases += json_cases(rng, 0)
    cases += deep_cases(rng, 10_000, 220)
    cases += utf8_cases(rng, 20_000, 180)
    cases += toolname_cases(rng, 30_000, 170)
    cases += framing_cases(rng, 40_000, 460)
    cases += oversize_cases(rng, 50_000, 54)
    cases += auth_cases(rng, 60_000, 300)
    cases += route_cases(rng, 70_000, 300)
    rng.shuffle(cases)  # the kinds interleave, so the slow ones run beside the quick ones
    for index, case in enumerate(cases):
        case.index = index
    return cases


# ------------------------------------------------------------------------------------------ exchange


@dataclasses.dataclass
class Outcome:
    state: str  # answered, closed (EOF before any answer), reset, stalled, garbled
    status: int | None = None
    headers: dict = dataclasses.field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    note: str = ""
    raw_head: bytes = b""


class Garbled(Exception):
    pass


def parse_response(buffer: bytes, eof: bool, head_request: bool):
    """(status, headers, body, raw head) when `buffer` holds a whole final response, else None. Skips 1xx."""
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if eof and buffer:
                raise Garbled(f"incomplete response head: {buffer[:200]!r}")
            return None
        raw_head = buffer[:end]
        lines = raw_head.split(b"\r\n")
        match = re.fullmatch(rb"HTTP/1\.[01] (\d{3})(?: .*)?", lines[0])
        if not match:
            raise Garbled(f"bad status line: {lines[0][:200]!r}")
        status = int(match.group(1))
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                raise Garbled(f"bad header line: {line[:200]!r}")
            headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
        rest = buffer[end + 4:]
        if 100 <= status < 200 and status != 101:
            buffer = rest
            continue
        if head_request or status in (204, 304):
            return status, headers, b"", raw_head
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body, at = b"", 0
            while True:
                line_end = rest.find(b"\r\n", at)
                if line_end < 0:
                    if eof:
                        raise Garbled("chunked response cut short")
                    return None
                size = int(rest[at:line_end].split(b";")[0], 16)
                if size == 0:
                    return status, headers, body, raw_head
                if len(rest) < line_end + 2 + size + 2:
                    if eof:
                        raise Garbled("chunked response cut short")
                    return None
                body += rest[line_end + 2: line_end + 2 + size]
                at = line_end + 2 + size + 2
        if "content-length" in headers:
            length = int(headers["content-length"])
            if len(rest) >= length:
                return status, headers, rest[:length], raw_head
            if eof:
                raise Garbled(f"body cut short: {len(rest)} of {length} bytes")
            return None
        return (status, headers, rest, raw_head) if eof else None


def exchange(port: int, case: Case) -> Outcome:
    started = time.monotonic()
    deadline = started + CASE_TIMEOUT
    data = case.payload()
    note = ""
    try:
        sock = socket.create_connection((HOST, port), timeout=CASE_TIMEOUT)
    except OSError as error:
        return Outcome("closed", seconds=time.monotonic() - started, note=f"connect failed: {error!r}")
    buffer = b""
    eof = False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if case.expect_continue:
                split = data.find(b"\r\n\r\n") + 4
                sock.sendall(data[:split])
                sock.settimeout(1.0)
                try:
                    buffer = sock.recv(65536)
                    eof = not buffer
                except socket.timeout:
                    pass
                interim = re.match(rb"HTTP/1\.[01] 100", buffer)
                if interim or not buffer:
                    buffer = buffer[buffer.find(b"\r\n\r\n") + 4:] if interim else buffer
                    sock.settimeout(max(0.01, deadline - time.monotonic()))
                    sock.sendall(data[split:])
                else:
                    note = "answered before the body was sent"
            else:
                sock.settimeout(CASE_TIMEOUT)
                sock.sendall(data)
        except socket.timeout:
            return Outcome("stalled", seconds=time.monotonic() - started, note="the send blocked (the gateway stopped reading)")
        except (BrokenPipeError, ConnectionResetError) as error:
            note = f"send failed: {type(error).__name__}"
        if case.half_close:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        while True:
            try:
                parsed = parse_response(buffer, eof, case.head)
            except Garbled as error:
                return Outcome("garbled", seconds=time.monotonic() - started, note=f"{note} {error}".strip(), body=buffer[:2000])
            if parsed:
                status, headers, body, raw_head = parsed
                return Outcome("answered", status, headers, body, time.monotonic() - started, note, raw_head)
            if eof:
                return Outcome("closed", seconds=time.monotonic() - started, note=note)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if b"\r\n\r\n" in buffer:
                    what = f"the head of a {buffer[9:12].decode('latin-1')} answer came, but its body never ended (no Content-Length) and the connection stayed open"
                else:
                    what = f"no answer and no close (got {len(buffer)} bytes)"
                return Outcome("stalled", seconds=time.monotonic() - started, note=f"{note} {what}".strip(), body=buffer[:2000])
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                if buffer:
                    return Outcome("garbled", seconds=time.monotonic() - started, note=f"{note} reset mid-answer".strip(), body=buffer[:2000])
                return Outcome("reset", seconds=time.monotonic() - started, note=note)
            if not chunk:
                eof = True
            buffer += chunk
    finally:
        sock.close()


def shape_problems(outcome: Outcome) -> list[str]:
    problems = []
    content_type = outcome.headers.get("content-type", "")
    if not content_type.lower().startswith("application/json"):
        problems.append(f"content-type {content_type!r}, not application/json")
    try:
        document = json.loads(outcome.body)
    except ValueError:
        return problems + [f"body is not JSON: {outcome.body[:200]!r}"]
    if not isinstance(document, dict) or set(document) != {"error"}:
        return problems + [f"body is not {{\"error\": ...}}: {outcome.body[:200]!r}"]
    error = document["error"]
    if not isinstance(error, dict) or set(error) != ERROR_KEYS:
        return problems + [f"error keys {sorted(error) if isinstance(error, dict) else type(error).__name__}, not {sorted(ERROR_KEYS)}"]
    if not isinstance(error["message"], str) or not error["message"]:
        problems.append("error.message is not a non-empty string")
    if not isinstance(error["type"], str) or not error["type"]:
        problems.append("error.type is not a non-empty string")
    for key in ("param", "code"):
        if error[key] is not None and not isinstance(error[key], str):
            problems.append(f"error.{key} is {type(error[key]).__name__}, not a string or null")
    return problems


def judge(case: Case, outcome: Outcome) -> list[str]:
    """What is wrong with the gateway's handling of `case` (empty: nothing)."""
    problems = []
    if outcome.state == "stalled":
        return [f"stalled {CASE_TIMEOUT} s: {outcome.note}"]
    if outcome.state == "garbled":
        return [f"unreadable answer: {outcome.note}"]
    if outcome.state in ("closed", "reset"):
        if case.silent_ok:
            return []
        return [f"{'closed' if outcome.state == 'closed' else 'reset'} the connection without an answer {outcome.note}".strip()]
    status = outcome.status
    if status >= 500:
        problems.append(f"answered {status} (5xx)")
    if case.expect == "4xx" and not 400 <= status < 500:
        problems.append(f"answered {status}, expected a 4xx")
    elif isinstance(case.expect, frozenset) and status not in case.expect:
        problems.append(f"answered {status}, expected {'/'.join(map(str, sorted(case.expect)))}")
    if status >= 400 and not case.head:
        shape = shape_problems(outcome)
        problems += [f"error body: {p}" for p in shape]
        if not shape:
            error = json.loads(outcome.body)["error"]
            if case.param is not None and error["param"] != case.param:
                problems.append(f"error.param {error['param']!r}, expected {case.param!r}")
            if case.param_prefix is not None and not str(error["param"]).startswith(case.param_prefix):
                problems.append(f"error.param {error['param']!r}, expected {case.param_prefix}...")
            if case.code is not None and status in (case.expect if isinstance(case.expect, frozenset) else ()) and error["code"] != case.code:
                problems.append(f"error.code {error['code']!r}, expected {case.code!r}")
    if case.max_seconds is not None and outcome.seconds > case.max_seconds:
        problems.append(f"answered after {outcome.seconds:.2f} s (limit {case.max_seconds} s)")
    return problems


# ------------------------------------------------------------------------------------- health probe

# Runs in its own process, so the test's threads cannot delay it (no shared GIL): GET /health on a new
# connection every HEALTH_INTERVAL s until its stdin closes; prints [[wall time, seconds, status, error], ...].
PROBE = r"""
import http.client, json, select, sys, time
port, interval = int(sys.argv[1]), float(sys.argv[2])
samples = []
while not select.select([sys.stdin], [], [], interval)[0]:
    started = time.perf_counter()
    status = error = None
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
        status = response.status
        connection.close()
    except Exception as exc:
        error = repr(exc)
    samples.append([time.time(), time.perf_counter() - started, status, error])
json.dump(samples, sys.stdout)
"""


class HealthProbe:
    def __init__(self, port: int):
        self.process = subprocess.Popen([sys.executable, "-c", PROBE, str(port), str(HEALTH_INTERVAL)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def stop(self) -> list:
        try:
            output, _ = self.process.communicate(input="stop\n", timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return json.loads(output or "[]")


# --------------------------------------------------------------------------------------------- test


@pytest.fixture(scope="module")
def fuzz_stack():
    """Its own simulator and gateway: with an API key, a 1 MiB body limit, and room for the fuzzer's workers."""
    with running_stack(
        "fuzz-stack",
        GATEWAY_API_KEYS=FUZZ_KEY,
        GATEWAY_MAX_BODY_MB=str(MAX_BODY_MB),
        GATEWAY_MAX_CONCURRENT_PER_KEY="64",
        GATEWAY_IDLE_TIMEOUT_SECONDS="20",
    ) as stack:
        yield stack


def describe_request(case: Case, limit: int = 480) -> str:
    """The request's bytes, shortened: the whole head where it is short, and the start of the body."""
    data = case.payload()
    if len(data) <= limit:
        return repr(data)
    split = data.find(b"\r\n\r\n") + 4
    head = data[:split] if 0 < split <= limit // 2 else data[: limit // 2]
    rest = data[len(head):]
    return f"{head + rest[: limit - len(head)]!r}... ({len(data)} bytes)"


def describe_outcome(outcome: Outcome) -> str:
    if outcome.state != "answered":
        return f"{outcome.state} after {outcome.seconds:.2f} s {outcome.note}".strip() + (f" partial={outcome.body[:160]!r}" if outcome.body else "")
    return f"{outcome.status} after {outcome.seconds:.3f} s, body {outcome.body[:200]!r}" + (f" ({outcome.note})" if outcome.note else "")


def test_fuzz_bad_requests(fuzz_stack):
    port = urlsplit(fuzz_stack.base_url).port
    cases = build_cases(SEED)
    assert len(cases) >= 2000
    assert {case.kind for case in cases} == set(KINDS)

    probe = HealthProbe(port)
    try:
        time.sleep(0.3)  # the probe's first (warm-up) calls
        started = time.monotonic()
        stop_at = started + RUN_BUDGET

        def run(case: Case):
            if time.monotonic() > stop_at:
                return case, None
            return case, exchange(port, case)

        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(run, cases))
        elapsed = time.monotonic() - started
    finally:
        samples = probe.stop()

    # ---- judge and summarise
    per_kind = collections.defaultdict(collections.Counter)
    statuses = collections.defaultdict(collections.Counter)
    silent = collections.Counter()
    failures = collections.defaultdict(list)
    seconds = collections.defaultdict(list)
    not_run = 0
    report = []
    for case, outcome in results:
        if outcome is None:
            not_run += 1
            continue
        problems = judge(case, outcome)
        per_kind[case.kind]["cases"] += 1
        per_kind[case.kind]["failed"] += bool(problems)
        statuses[(case.kind, case.sub)][outcome.status if outcome.state == "answered" else outcome.state] += 1
        seconds[case.kind].append(outcome.seconds)
        if outcome.state in ("closed", "reset"):
            silent[(case.kind, case.sub, outcome.state)] += 1
        if problems:
            failures[(case.kind, case.sub, "; ".join(sorted({re.sub(r"[\d.]+ s\b|\d+ bytes", "#", p) for p in problems})))].append((case, outcome, problems))
        report.append({
            "index": case.index, "kind": case.kind, "sub": case.sub, "expect": sorted(case.expect) if isinstance(case.expect, frozenset) else case.expect,
            "request": case.payload()[:600].decode("latin-1") if not callable(case.data) else f"({len(case.payload())} bytes)",
            "state": outcome.state, "status": outcome.status, "seconds": round(outcome.seconds, 4),
            "body": outcome.body[:600].decode("latin-1"), "note": outcome.note, "problems": problems,
        })

    probe_times = [s[1] for s in samples[1:]]  # the first call warms up
    probe_errors = [s for s in samples if s[2] != 200]
    slow_probes = sorted((s for s in samples[1:] if s[1] >= HEALTH_LIMIT), key=lambda s: -s[1])

    lines = [f"fuzz: seed {SEED}, {sum(c['cases'] for c in per_kind.values())} requests in {elapsed:.1f} s with {WORKERS} workers"
             + (f", {not_run} NOT RUN (budget of {RUN_BUDGET:.0f} s spent)" if not_run else "")]
    for kind, description in KINDS.items():
        times = sorted(seconds[kind]) or [0.0]
        lines.append(f"  {kind:9} {per_kind[kind]['cases']:5} requests, {per_kind[kind]['failed']:4} failed, "
                     f"p50 {times[len(times) // 2] * 1000:6.1f} ms, max {times[-1] * 1000:7.1f} ms  ({description})")
    if probe_times:
        ordered = sorted(probe_times)
        lines.append(f"  /health: {len(samples)} probes, p50 {ordered[len(ordered) // 2] * 1000:.1f} ms, "
                     f"p99 {ordered[int(len(ordered) * 0.99)] * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms, "
                     f"{len(slow_probes)} at or over {HEALTH_LIMIT * 1000:.0f} ms, {len(probe_errors)} not 200")
    lines.append("  silent closes (no answer) by case:")
    for (kind, sub, state), number in sorted(silent.items()):
        lines.append(f"    {kind}/{sub}: {number} {state}")
    lines.append("  answers by case (status or outcome: count):")
    for (kind, sub), counter in sorted(statuses.items()):
        lines.append(f"    {kind}/{sub}: " + ", ".join(f"{k}: {v}" for k, v in sorted(counter.items(), key=str)))
    if failures:
        failing_from = len(lines)
        lines.append(f"  FAILURES ({sum(len(v) for v in failures.values())} requests, {len(failures)} groups):")
        for (kind, sub, summary), items in sorted(failures.items()):
            case, outcome, problems = items[0]
            lines.append(f"    [{kind}] {sub}: {len(items)} x {summary}")
            lines.append(f"        e.g. request {describe_request(case)}")
            lines.append(f"             got {describe_outcome(outcome)}")
    summary = "\n".join(lines)
    print(summary)
    headline = "\n".join(lines[:len(KINDS) + 2] + (lines[failing_from:] if failures else []))

    out = os.environ.get("CLIENT_SUITE_TMP")
    if out:
        path = os.path.join(out, "fuzz-stack", "fuzz-report.json")
        with open(path, "w") as file:
            json.dump({"seed": SEED, "elapsed": elapsed, "health": samples, "cases": report}, file, indent=1)
        print(f"fuzz: the full report is in {path}")

    fuzz_stack.assert_gateway_alive()
    verdicts = []
    if not_run:
        verdicts.append(f"{not_run} cases not run within the {RUN_BUDGET:.0f} s budget")
    if elapsed >= 120:
        verdicts.append(f"the run took {elapsed:.1f} s (limit 120 s)")
    if failures:
        verdicts.append(f"{sum(len(v) for v in failures.values())} requests handled wrongly")
    if probe_errors:
        verdicts.append(f"{len(probe_errors)} /health probes failed, e.g. {probe_errors[0]}")
    if slow_probes:
        verdicts.append(f"{len(slow_probes)} /health probes took {HEALTH_LIMIT * 1000:.0f} ms or more (slowest {slow_probes[0][1] * 1000:.0f} ms)")
    if len(samples) < 10:
        verdicts.append(f"only {len(samples)} /health probes ran")
    if verdicts:
        pytest.fail("; ".join(verdicts) + "\n" + headline, pytrace=False)
