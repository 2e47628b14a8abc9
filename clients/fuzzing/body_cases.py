"""The bad request bodies of `test_fuzz.py` (kinds json, deep, utf8 and toolname): malformed JSON, wrong
types and missing fields, deep nesting, broken encodings and invalid function names, each a well-framed
`POST /v1/chat/completions`."""

import json
import random

from fuzzing.case import DEEP_SECONDS, LOOKUP, NESTING_LIMIT, Case, chat_body, post_chat
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


class JsonCases:
    """Kind 1's cases as they are made: each takes the next number from `start` (its `user` is `fuzz-<number>`)."""

    def __init__(self, rng: random.Random, start: int):
        self.rng = rng
        self.i = start
        self.cases: list[Case] = []

    def add(self, sub, body: bytes, expect=frozenset({400}), **options):
        self.i += 1
        self.cases.append(Case("json", sub, post_chat(body, **options), expect))

    def mutated(self, sub, change, values, expect=frozenset({400}), with_tools=False):
        """A valid body changed by `change(body, value)`, one case per value."""
        for value in values:
            body = chat_body(self.i)
            if with_tools:
                body["tools"] = [LOOKUP]
            change(body, value)
            self.add(sub, dumps(body), expect)


def json_cases(rng: random.Random, start: int) -> list[Case]:
    """Kind 1: malformed JSON bodies, wrong types at every field, missing required fields."""
    made = JsonCases(rng, start)
    wrong_types(made)
    ignored_and_missing(made)
    malformed(made)
    odd_bodies(made)
    return made.cases


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
        made.mutated(f"wrong-type:{field}", top(field), values)
    for with_tools in (False, True):
        made.mutated("wrong-type:tool_choice", top("tool_choice"), BAD_TOOL_CHOICES, with_tools=with_tools)
        made.mutated("wrong-type:function_call", top("function_call"), BAD_TOOL_CHOICES[:6], with_tools=with_tools)
    for index in (0, 1):
        made.mutated("wrong-type:messages[].role", message_field("role", index), BAD_ROLES)
        made.mutated("wrong-type:messages[].content", message_field("content", index), BAD_CONTENT)
        made.mutated("wrong-type:messages[].name", message_field("name", index), WRONG["string"])
        made.mutated("wrong-type:messages[].tool_call_id", message_field("tool_call_id", index), WRONG["string"][:5])
    made.mutated("wrong-type:messages[]", lambda body, value: body["messages"].insert(made.rng.randrange(3), value), [5, "hi", None, [], True, 1.5])
    made.mutated("wrong-type:messages[].content[]", lambda body, value: body["messages"][1].__setitem__("content", [value]), BAD_PARTS)
    made.mutated("wrong-type:messages[].content[]", lambda body, value: body["messages"][1].__setitem__(
        "content", [{"type": "text", "text": "first part"}, value]), BAD_PARTS)
    made.mutated("wrong-type:messages[].tool_calls", assistant_calls, BAD_TOOL_CALLS)


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
        ("no-user-message", lambda b: b.__setitem__("messages", [b["messages"][0]])),
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


SOUP = ["{", "}", "[", "]", ":", ",", '"a"', "1", "true", "null", " ", '"messages"', "-", "e", '"', "\\"]
SYNTAX = [
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


def malformed(made: JsonCases) -> None:
    """Cut short, garbage, trailing junk, JSON that is not an object."""
    rng, add = made.rng, made.add
    for _ in range(90):
        body = chat_body(made.i, tools=[LOOKUP]) if rng.random() < 0.3 else chat_body(made.i)
        text = dumps(body)
        add("malformed:truncated", text[: rng.randrange(len(text))])
    garbage = 0
    while garbage < 50:
        if rng.random() < 0.5:
            text = "".join(rng.choice(SOUP) for _ in range(rng.randrange(1, 40)))
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
        add("malformed:trailing-junk", dumps(chat_body(made.i)) + junk.encode())
    for text in ["[]", "5", '"text"', "null", "true", "false", "1.5", '""', "-0", "[null]", "[{}]", "1e999"] * 2:
        add("malformed:not-an-object", text.encode())
    for _ in range(2):
        add("malformed:not-an-object", dumps([chat_body(made.i)]))


def odd_bodies(made: JsonCases) -> None:
    """Syntax errors, empty bodies, a BOM, odd content types."""
    add = made.add
    for text in SYNTAX * 2:
        add("malformed:syntax", text.encode())
    # Trailing commas are not JSON, but a lenient parser may take them: any answer below 500.
    for text in ['{"messages": [{"role": "user", "content": "hi"},]}', '{"messages": [{"role": "user", "content": "hi"}],}'] * 2:
        add("malformed:trailing-comma (lenient ok)", text.encode(), "any")
    for text in [b"", b" ", b"\n", b"\r\n\t ", b"\x00", b"\xef\xbb\xbf"]:
        add("malformed:empty", text)
    add("malformed:empty", b"", content_length=False)  # a POST with no body at all
    # A BOM before a valid body, and odd content types (any answer below 500).
    add("odd:bom", b"\xef\xbb\xbf" + dumps(chat_body(made.i)), "any")
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", None]:
        add("odd:content-type+malformed", b'{"messages": [', "4xx", content_type=content_type)


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
