"""The bad request bodies of `test_fuzz.py` (kinds json, deep, utf8 and toolname), each a well-framed POST to
a dialect's route, built from its description (fuzzing.dialects): malformed JSON, wrong types at every
path of a valid body, unknown kinds, missing fields, nesting over and just under the limit, broken
encodings and invalid tool names."""

import json
import random
import re

from fuzzing.case import DEEP_SECONDS, NESTING_LIMIT, Case
from fuzzing.dialects import Dialect
from fuzzing.mutate import dumps, odd_value_bodies, path_label, paths, removed, replaced


class JsonCases:
    """Kind json's cases as they are made: each takes the next case number from `start`."""

    def __init__(self, rng: random.Random, start: int, dialect: Dialect):
        self.rng = rng
        self.i = start
        self.dialect = dialect
        self.cases: list[Case] = []

    def add(self, sub, body: bytes, expect=frozenset({400}), **options):
        self.i += 1
        self.cases.append(Case("json", sub, self.dialect.post(body, self.i, **options), expect, shape=self.dialect.shape))

    def valid(self) -> dict:
        return self.dialect.valid(self.i)


def json_cases(rng: random.Random, start: int, dialect: Dialect) -> list[Case]:
    """Kind json: wrong types at every path, unknown kinds, missing fields, malformed and odd bodies."""
    made = JsonCases(rng, start, dialect)
    every_path(made)
    malformed(made)
    odd_bodies(made)
    return made.cases


def every_path(made: JsonCases) -> None:
    """Odd values at every path of a valid body, unknown type tags, each key left out: any answer below 500."""
    for label, body in odd_value_bodies(made.valid(), made.rng):
        made.add(f"wrong-type:{label}", body, "any")
    for path, kinds in made.dialect.unknown_kinds:
        for kind in kinds:
            made.add(f"unknown-kind:{path_label(path)}", dumps(replaced(made.valid(), path, kind)), "any")
    for path in paths(made.valid()):
        if path and isinstance(path[-1], str):
            made.add(f"missing:{path_label(path)}", dumps(removed(made.valid(), path)), "any")


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
    """Cut short, one byte changed, garbage, trailing junk, JSON that is not an object."""
    rng, add = made.rng, made.add
    for _ in range(90):
        text = dumps(made.valid())
        add("malformed:truncated", text[: rng.randrange(len(text))])
    for _ in range(60):
        text = dumps(made.valid())
        at = rng.randrange(len(text))
        add("malformed:one-byte-changed", text[:at] + bytes([rng.randrange(256)]) + text[at + 1:], "any")
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
        add("malformed:trailing-junk", dumps(made.valid()) + junk.encode())
    for text in ["[]", "5", '"text"', "null", "true", "false", "1.5", '""', "-0", "[null]", "[{}]", "1e999"] * 2:
        add("malformed:not-an-object", text.encode())
    for _ in range(2):
        add("malformed:not-an-object", dumps([made.valid()]))


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
    add("odd:bom", b"\xef\xbb\xbf" + dumps(made.valid()), "any")
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", None]:
        add("odd:content-type+malformed", b'{"messages": [', "4xx", content_type=content_type)


def nested(rng: random.Random, depth: int, shapes: list[str], size: int = 0) -> tuple[str, str]:
    """JSON text nesting exactly `depth` objects and arrays, of one of `shapes`; a schema is padded to about `size` bytes."""
    shape = rng.choice(shapes)
    inner = depth - 1
    if shape == "object":
        return shape, '{"a":' * inner + "{}" + "}" * inner
    if shape == "array":
        return shape, "[" * inner + "[1]" + "]" * inner
    if shape == "mixed":
        opens = ['["x",' if level % 2 else '{"items":' for level in range(inner)]
        return shape, "".join(opens) + "{}" + "".join("]" if level % 2 else "}" for level in reversed(range(inner)))
    # Two containers a level (the schema and its "properties"), the innermost schema one or two.
    levels, odd = divmod(inner, 2)
    filler = "p" * max(0, size // max(depth, 1) - 40)
    innermost = '{"type":"array","items":{"type":"string"}}' if odd else '{"type":"string"}'
    return shape, ('{"type":"object","description":"' + filler + '","properties":{"p":') * levels + innermost + "}}" * levels


def depth_at(text: bytes, marker: bytes) -> int:
    """How many objects and arrays enclose `marker` (outside any string) in the JSON `text`."""
    depth, in_string, escaped = 0, False, False
    for byte in text[: text.index(marker)]:
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in b"{[":
            depth += 1
        elif byte in b"}]":
            depth -= 1
    return depth


def deep_cases(rng: random.Random, start: int, count: int, dialect: Dialect) -> list[Case]:
    """Kind deep: schemas nested just under the limit (taken: 200), over it (400 within DEEP_SECONDS), and strings
    holding JSON text nested deep, which the limit does not count (taken: 200)."""
    cases = []
    for n in range(count):
        i = start + n
        bucket = n % 6
        if bucket == 1:
            cases.append(nested_text_case(rng, i, dialect))
            continue
        label, path, value = rng.choice(dialect.schema_slots)
        text = dumps(replaced(dialect.valid(i), path, value))
        enclosing = depth_at(text, b'"__DEEP__"')
        if bucket == 0:  # taken, so it goes into the prompt: an object, unpadded, fits in a Copilot message
            total, name, expect = rng.randint(NESTING_LIMIT - 8, NESTING_LIMIT), "56-64", frozenset({200})
            shapes, size = ["object", "mixed", "schema"], 0
        else:
            low, high = {2: (NESTING_LIMIT + 1, 300), 3: (NESTING_LIMIT + 1, 300), 4: (300, 1000), 5: (1000, 2000)}[bucket]
            total = NESTING_LIMIT + 1 if rng.random() < 0.1 else rng.randint(low, high)
            name, expect = f"{low}-{high}", frozenset({400})
            shapes, size = ["object", "array", "mixed", "schema"], rng.choice([0, 0, 10_000, 50_000, 100_000])
        shape, deep = nested(rng, total - enclosing, shapes, size)
        raw = text.replace(b'"__DEEP__"', deep.encode())
        within = "<=64" if total <= NESTING_LIMIT else ">64"
        cases.append(Case("deep", f"{label}:{within}:{shape}:d{name}", dialect.post(raw, i), expect, shape=dialect.shape,
                          max_seconds=DEEP_SECONDS))
    return cases


def nested_text_case(rng: random.Random, i: int, dialect: Dialect) -> Case:
    """A string holding JSON text nested just under the limit or far over it (`{"session_id":…}`, an array, never
    closed): the limit counts the body's own containers, so the request is taken (200) and no parser of the text
    overflows its stack; a 400 where the text is longer than the dialect's document lets that field be."""
    label, path, deepest = rng.choice(dialect.nested_text_slots)
    depth = rng.randint(NESTING_LIMIT - 8, NESTING_LIMIT) if rng.random() < 0.5 else rng.randint(NESTING_LIMIT + 1, deepest)
    variant = rng.choice(["session-object", "array", "unclosed"])
    if variant == "session-object":
        text = '{"session_id":"fuzz-' + str(i) + '","x":' + nested(rng, depth - 1, ["object"])[1] + "}"
    elif variant == "array":
        text = nested(rng, depth, ["array"])[1]
    else:
        text = "[" * depth
    raw = dumps(replaced(dialect.valid(i), path, text))
    within = "<=64" if depth <= NESTING_LIMIT else ">64"
    longest = dict(dialect.text_limits).get(label)
    too_long = longest is not None and len(text) > longest
    return Case("deep", f"nested-text:{label}:{within}:{variant}" + (":too-long" if too_long else ""), dialect.post(raw, i),
                frozenset({400 if too_long else 200}), shape=dialect.shape, max_seconds=DEEP_SECONDS)


BAD_UTF8 = [b"\xff", b"\xfe", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc3", b"\xc3\x28",
            b"\xe2\x82", b"\x80", b"\xf4\x90\x80\x80", b"\xbf\xbf", b"caf\xe9"]
SURROGATES = [r"\ud800", r"\udc00x", r"\udbff", r"a\ud800b", r"\ud800\ud800", r"\udc00\ud800", r"\ud800\u0041", r"\ud83d",
              r"\ude00", r"x\udfff"]
BAD_ESCAPES = [r"\x41", r"\u12", r"\uZZZZ", r"\U0001F600", r"\'", r"\a", "abc\\", r"\ud800\u12", r"\u", r"\ud800\uZZZZ"]


def utf8_cases(rng: random.Random, start: int, count: int, dialect: Dialect) -> list[Case]:
    """Kind utf8: bodies that are not UTF-8, lone surrogate escapes, invalid escapes, in every text slot and a key."""
    places = list(dialect.text_slots) + [("key", None)]

    def body_with(i: int, path) -> bytes:
        body = dialect.valid(i)
        if path is None:
            body["__BAD__"] = 1
        else:
            body = replaced(body, path, "__BAD__")
        return dumps(body)

    cases = []
    for n in range(count):
        i = start + n
        place, path = rng.choice(places)
        variant = n % 3
        if variant == 0:
            raw = body_with(i, path).replace(b"__BAD__", b"fuzz " + rng.choice(BAD_UTF8) + b" text")
            cases.append(Case("utf8", f"invalid-utf8:{place}", dialect.post(raw, i), "any", shape=dialect.shape))
        elif variant == 1:
            raw = body_with(i, path).replace(b"__BAD__", b"fuzz " + rng.choice(SURROGATES).encode() + b" text")
            cases.append(Case("utf8", f"lone-surrogate:{place}", dialect.post(raw, i), "any", shape=dialect.shape))
        else:
            raw = body_with(i, path).replace(b"__BAD__", b"fuzz " + rng.choice(BAD_ESCAPES).encode())
            cases.append(Case("utf8", f"bad-escape:{place}", dialect.post(raw, i), frozenset({400}), shape=dialect.shape))
    # A whole body in Latin-1 and in UTF-16.
    text = json.dumps(replaced(dialect.valid(start), dialect.text_slots[0][1], "caf\u00e9 na\u00efve"), ensure_ascii=False)
    for sub, raw in [("invalid-utf8:latin-1 body", text.encode("latin-1")), ("utf-16 body", text.encode("utf-16")),
                     ("utf-16 body", text.encode("utf-16-le"))]:
        cases.append(Case("utf8", sub, dialect.post(raw, start), "any", shape=dialect.shape))
    return cases


BAD_NAMES = ["", " ", "  ", "get weather", " lookup", "lookup ", "a" * 65, "b" * 100, "c" * 1000, "wetter_\u2600", "\u51fd\u6570",
             "na\u00efve", "a.b", "tools.lookup", "a/b", "a:b", "a\nb", "a\tb", "a\u0000b", "\U0001F600", "a,b", "a(b)", "a;b",
             "<tool_call>", '"quoted"', "a\\b", "x" * 64 + "\u00e9", "a b c", "-" * 65, "\u200b", "lookup\u00a0", "a+b", "a=b", "{}",
             "d" * 128, "e" * 129]
GOOD_NAMES = ["lookup", "get_weather", "send-mail", "A1", "x" * 64]


def name_problem(name: str, limit: int | None) -> str | None:
    """Why a dialect that takes names of up to `limit` characters refuses `name` (None: it takes it)."""
    if limit is None:
        return None
    if name == "":
        return "empty"
    if len(name) > limit:
        return "too-long"
    if not name.strip():
        return "blank"
    return None if re.fullmatch(r"[A-Za-z0-9_-]+", name) else "bad-chars"


def toolname_cases(rng: random.Random, start: int, count: int, dialect: Dialect) -> list[Case]:
    """Kind toolname: a tool with an invalid name among valid ones, a tool call required: 400 naming the tool
    (OpenAI's `param`); a name the dialect takes (or does not check): any answer below 500."""
    cases = []
    for n in range(count):
        i = start + n
        bad = BAD_NAMES[n % len(BAD_NAMES)]
        others = rng.sample(GOOD_NAMES, rng.randrange(0, 3))
        index = rng.randrange(len(others) + 1)
        names = others[:index] + [bad] + others[index:]
        body = dialect.valid(i)
        body["tools"] = [dialect.tool(name) for name in names]
        body.update(dialect.require_tool)
        problem = name_problem(bad, dialect.tool_name_limit)
        param = dialect.tool_name_param.format(i=index) if problem and dialect.tool_name_param else None
        cases.append(Case("toolname", f"tools[].name:{problem or 'taken'}", dialect.post(dumps(body), i),
                          frozenset({400}) if problem else "any", shape=dialect.shape, param=param))
    return cases
