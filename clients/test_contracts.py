"""The contract checks themselves (contracts/), proven able to fail.

For each dialect a real answer of the gateway, whole and streamed, is checked as it is (what fails today is
printed, not asserted), then with one required field removed, and the check must report exactly that field,
by its path, in addition. Streams put in a wrong order must be caught. The answers are fetched straight from
the gateway (`stack.gateway_url`), not through its wire tap, so that these tests hold whatever the gateway's
state. The Responses elements only OpenAI's document defines (custom and web_search tools, custom tool calls and
their events, a custom tool_choice, a json_schema text format: contracts.superset) are shown to validate against
it, and to be reported there when broken, while the rest of the answer stays Open Responses' to judge. The wire
tap is shown, against a scripted server, to pass bytes, half-closes and resets on unchanged and to check the
answers it forwards.
"""

import copy
import json
import socket
import threading
import urllib.request

import pytest

from contracts.answers import COMPLETE, AnswerCheck
from contracts.rules import load_rules
from contracts.streams import TERMINAL
from contracts.taps import WireTap
from contracts.wire import EventDecoder

HELLO = "Say hello in a few words."
DIALECTS = {
    # dialect: (path, request body, headers, required field to remove from the whole answer, from a streamed event)
    "chat": ("/chat/completions", {"model": "copilot", "messages": [{"role": "user", "content": HELLO}]}, {},
             ("choices", 0, "message", "refusal"), ("chat.completion.chunk", ("created",))),
    "responses": ("/responses", {"model": "copilot", "input": HELLO}, {},
                  ("completed_at",), ("response.output_text.delta", ("item_id",))),
    "messages": ("/messages", {"model": "copilot", "max_tokens": 256, "messages": [{"role": "user", "content": HELLO}]},
                 {"anthropic-version": "2023-06-01"}, ("usage", "cache_creation"), ("content_block_delta", ("delta",))),
}


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def fetch(stack, dialect: str, stream: bool):
    """(status, headers, body bytes) of the gateway's answer, straight from it."""
    path, body, headers, *_ = DIALECTS[dialect]
    request = urllib.request.Request(stack.gateway_url + path, data=json.dumps(dict(body, stream=stream)).encode(), method="POST",
                                     headers={"content-type": "application/json", "authorization": "Bearer any-key", **headers})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def check(rules, dialect: str, status: int, headers: dict, body: bytes | None = None, events=None) -> list[str]:
    """What an AnswerCheck reports on an answer (routed like the tap routes it), as `[event N] where: message`."""
    path, _, request_headers, *_ = DIALECTS[dialect]
    answer = AnswerCheck(rules, "POST", "/v1" + path, request_headers, status, headers)
    answer.start()
    if events is None:
        answer.body(body)
    else:
        for name, data in events:
            answer.event(name, data)
    answer.end(COMPLETE)
    return [("" if v["event"] is None else f"[event {v['event']}] ") + f"{v['where']}: {v['message']}" for v in answer.violations]


def events_of(body: bytes) -> list[tuple]:
    decoder = EventDecoder()
    events = decoder.feed(body)
    rest, unfinished = decoder.finish()
    assert not unfinished
    return events + rest


def removed(value, path):
    value = copy.deepcopy(value)
    holder = value
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return value


def where(path) -> str:
    return "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in path).lstrip(".")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_whole_answer_fails_its_check_once_a_required_field_is_removed(stack, rules, dialect):
    status, headers, body = fetch(stack, dialect, stream=False)
    assert status == 200 and headers["content-type"].startswith("application/json")
    today = check(rules, dialect, status, headers, body)
    print(f"{dialect}, whole answer, today: {today or 'valid'}")
    field = DIALECTS[dialect][3]
    broken = check(rules, dialect, status, headers, json.dumps(removed(json.loads(body), field)).encode())
    assert [problem for problem in broken if problem not in today] == [f"{where(field)}: {field[-1]!r} is a required property"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_streamed_event_fails_its_check_once_a_required_field_is_removed(stack, rules, dialect):
    status, headers, body = fetch(stack, dialect, stream=True)
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    events = events_of(body)
    today = check(rules, dialect, status, headers, events=events)
    print(f"{dialect}, stream of {len(events)} events, today: {today or 'valid'}")
    kind, field = DIALECTS[dialect][4]
    index = next(i for i, (_, data) in enumerate(events) if data.startswith("{") and json.loads(data).get("type", json.loads(data).get("object")) == kind)
    events[index] = (events[index][0], json.dumps(removed(json.loads(events[index][1]), field)))
    broken = check(rules, dialect, status, headers, events=events)
    assert [problem for problem in broken if problem not in today] == [f"[event {index}] {where(field)}: {field[-1]!r} is a required property"]


def reordered(dialect: str, events: list) -> tuple[list, list[str]]:
    """The stream in a wrong order, and (parts of) what the checks must say about it."""
    types = [json.loads(data).get("type") if data.startswith("{") else data for _, data in events]
    if dialect == "chat":  # a chunk after [DONE]
        return events[:-1] + [events[-1], events[1]], [f"[event {len(events)}] (stream): an event after data: [DONE]"]
    if dialect == "responses":  # the terminal event before the last text delta
        last_delta = max(i for i, t in enumerate(types) if t.endswith(".delta"))
        terminal = max(i for i, t in enumerate(types) if t in TERMINAL)
        moved = events[:last_delta] + [events[terminal]] + events[last_delta:terminal]
        return moved, [f"[event {last_delta}] sequence_number: sequence_number {terminal}, expected {last_delta}",
                       f"[event {last_delta + 1}] (stream): an event after the terminal event {types[terminal]!r}"]
    stop = types.index("message_delta")  # messages: message_delta and message_stop before the last content_block_stop
    last_block_stop = max(i for i, t in enumerate(types) if t == "content_block_stop")
    moved = events[:last_block_stop] + events[stop:] + events[last_block_stop:stop]
    return moved, [f"[event {last_block_stop}] (stream): message_delta while content block",
                   f"[event {last_block_stop + len(events) - stop}] (stream): an event after message_stop"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_stream_in_a_wrong_order_is_caught(stack, rules, dialect):
    status, headers, body = fetch(stack, dialect, stream=True)
    events = events_of(body)
    today = check(rules, dialect, status, headers, events=events)
    moved, expected = reordered(dialect, events)
    found = [problem for problem in check(rules, dialect, status, headers, events=moved) if problem not in today]
    for wanted in expected:
        assert any(problem.startswith(wanted) for problem in found), f"{wanted!r} not in {found}"


def test_a_stream_that_ends_early_is_caught_and_one_the_client_left_is_not(stack, rules):
    status, headers, body = fetch(stack, "messages", stream=True)
    events = events_of(body)[:-2]
    for how, expected in ((COMPLETE, ["(stream): the stream ended without message_stop"]), ("abandoned", [])):
        answer = AnswerCheck(rules, "POST", "/v1/messages", {"anthropic-version": "2023-06-01"}, status, headers)
        for name, data in events:
            answer.event(name, data)
        before = len(answer.violations)
        answer.end(how)
        assert [f"{v['where']}: {v['message']}" for v in answer.violations[before:]] == expected


def test_errors_are_checked_against_their_dialects_error_schema(rules):
    openai = AnswerCheck(rules, "POST", "/v1/chat/completions", {"anthropic-version": "1"}, 400, {"content-type": "application/json"})
    openai.body(b'{"error": {"message": "no", "type": "invalid_request_error", "code": null}}')
    anthropic = AnswerCheck(rules, "POST", "/messages", {}, 400, {"content-type": "application/json"})
    anthropic.body(b'{"type": "error", "error": {"type": "invalid_request_error", "message": "no"}}')
    plain = AnswerCheck(rules, "GET", "/v1/models/x", {"anthropic-version": "1"}, 404, {"content-type": "text/plain"})
    plain.start()
    assert [(v["schema"], v["where"], v["message"]) for v in openai.violations + anthropic.violations + plain.violations] == [
        ("ErrorResponse", "error.param", "'param' is a required property"),
        ("ErrorResponse", "request_id", "'request_id' is a required property"),
        (None, "(answer)", "an error answer must be application/json, not text/plain"),
    ]


CUSTOM_TOOLS = {
    "tools": [{"type": "custom", "name": "apply_patch", "description": "Edit files.", "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}},
              {"type": "web_search"}, {"type": "function", "name": "ls", "description": "List.", "parameters": {"type": "object", "properties": {}}}],
    "tool_choice": {"type": "custom", "name": "apply_patch"},
}
MOOD = {"type": "json_schema", "name": "mood", "description": "How it feels.", "strict": True,
        "schema": {"type": "object", "properties": {"mood": {"type": "string"}}, "required": ["mood"], "additionalProperties": False}}


def responses_answer(stack, **body) -> dict:
    """A whole Responses answer of the gateway (straight from it) to `body`."""
    request = urllib.request.Request(stack.gateway_url + "/responses", data=json.dumps(dict(model="copilot", input=HELLO, **body)).encode(),
                                     method="POST", headers={"content-type": "application/json", "authorization": "Bearer any-key"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def responses_violations(rules, answer: dict) -> list[tuple]:
    """(document, innermost schema, where, message) of each problem found in a Responses answer, as the tap checks it."""
    check = AnswerCheck(rules, "POST", "/v1/responses", {}, 200, {"content-type": "application/json"})
    check.body(json.dumps(answer).encode())
    return [(v["document"], v["within"], v["where"], v["message"]) for v in check.violations]


def test_custom_and_web_search_tools_validate_against_openais_document_and_a_broken_one_is_reported(stack, rules):
    answer = responses_answer(stack, **CUSTOM_TOOLS)
    assert [tool["type"] for tool in answer["tools"]] == ["custom", "web_search", "function"]
    assert answer["tool_choice"] == {"type": "custom", "name": "apply_patch"}
    assert any(item["type"] == "custom_tool_call" for item in answer["output"])
    assert responses_violations(rules, answer) == []
    broken = copy.deepcopy(answer)
    broken["tools"][0]["name"] = 5
    broken["output"][0] = dict(broken["output"][0], type="custom_tool_call", input=None)
    broken["tool_choice"]["name"] = ["apply_patch"]
    assert sorted(responses_violations(rules, broken)) == [
        ("openai", "CustomToolCall", "output[0].input", "None is not of type 'string'"),
        ("openai", "CustomToolParam", "tools[0].name", "5 is not of type 'string'"),
        ("openai", "ToolChoiceCustom", "tool_choice.name", "['apply_patch'] is not of type 'string'"),
    ]
    # The rest of the answer is still Open Responses' to judge.
    assert responses_violations(rules, removed(answer, ("tool_choice",))) == [
        ("open-responses", "ResponseResource", "tool_choice", "'tool_choice' is a required property")]


def test_a_streamed_custom_tool_call_validates_against_openais_document(stack, rules):
    request = urllib.request.Request(stack.gateway_url + "/responses", data=json.dumps(dict(model="copilot", input=HELLO, stream=True, **CUSTOM_TOOLS)).encode(),
                                     method="POST", headers={"content-type": "application/json", "authorization": "Bearer any-key"})
    with urllib.request.urlopen(request, timeout=30) as response:
        status, headers, body = response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    events = events_of(body)
    types = [json.loads(data)["type"] for _, data in events]
    assert {"response.custom_tool_call_input.delta", "response.custom_tool_call_input.done"} <= set(types)
    assert check(rules, "responses", status, headers, events=events) == []
    index = types.index("response.custom_tool_call_input.delta")
    events[index] = (events[index][0], json.dumps(dict(json.loads(events[index][1]), delta=5)))
    assert check(rules, "responses", status, headers, events=events) == [f"[event {index}] delta: 5 is not of type 'string'"]


def test_a_json_schema_format_validates_against_openais_document_and_a_broken_one_is_reported(stack, rules):
    answer = responses_answer(stack, text={"format": MOOD})
    assert answer["text"]["format"]["schema"] == MOOD["schema"]
    assert responses_violations(rules, answer) == []
    broken = copy.deepcopy(answer)
    broken["text"]["format"]["strict"] = "yes"
    assert responses_violations(rules, broken) == [
        ("openai", "TextResponseFormatJsonSchema", "text.format.strict", "'yes' is not of type 'boolean', 'null'")]


class ScriptedServer:
    """One connection on a free port: reads the request (until `until` arrives, or EOF), then sends `answer`
    and closes, with a reset when `reset`. What it read is in `received`."""

    def __init__(self, answer: bytes, until: bytes | None = b"\r\n\r\n", reset: bool = False):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answer, self.until, self.reset, self.received = answer, until, reset, b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _ = self.listener.accept()
        while not (self.until and self.until in self.received):
            chunk = connection.recv(65536)
            if not chunk:
                break
            self.received += chunk
        connection.sendall(self.answer)
        if self.reset:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        connection.close()
        self.listener.close()


def through_tap(server: ScriptedServer, folder, request: bytes, half_close: bool = False):
    """(what the client read, how its read ended, the tap's violations) for `request` sent through a tap."""
    tap = WireTap(server.port, folder)
    try:
        with socket.create_connection(("127.0.0.1", tap.port), timeout=10) as client:
            client.sendall(request)
            if half_close:
                client.shutdown(socket.SHUT_WR)
            answer, ending = b"", "eof"
            try:
                while chunk := client.recv(65536):
                    answer += chunk
            except ConnectionResetError:
                ending = "reset"
        server.thread.join(10)
        tap.sync()
        return answer, ending, tap.found
    finally:
        tap.stop()


def test_the_tap_passes_hostile_bytes_and_a_half_close_on_unchanged(tmp_path):
    garbage = bytes(range(256)) * 64 + b"\r\n\r\nGET / HTTP/9\r\n\x00"
    server = ScriptedServer(b"\xff\x00not http at all", until=None)
    answer, ending, found = through_tap(server, tmp_path, garbage, half_close=True)
    assert (server.received, answer, ending, found) == (garbage, b"\xff\x00not http at all", "eof", [])


def test_the_tap_checks_a_chunked_stream_it_forwards_and_passes_a_reset_on(tmp_path):
    chunk = {"id": "c", "object": "chat.completion.chunk", "model": "m", "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}
    events = f"data: {json.dumps(chunk)}\n\n".encode()
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + f"{len(events):x}\r\n".encode() + events + b"\r\n"
    server = ScriptedServer(answer, reset=True)
    request = b'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}'
    got, ending, found = through_tap(server, tmp_path, request)
    assert (server.received, got, ending) == (request, answer, "reset")
    assert [(v["endpoint"], v["event"], v["where"], v["message"]) for v in found] == [
        ("POST /v1/chat/completions", 0, "created", "'created' is a required property"),
        ("POST /v1/chat/completions", None, "(answer)", "the gateway closed the connection before the answer was complete"),
    ]
