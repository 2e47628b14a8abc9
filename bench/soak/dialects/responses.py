"""The OpenAI Responses API (`POST /v1/responses`): the requests a client sends (the whole conversation as
`input`, or only the new item after `previous_response_id`), and what a `response` object, its event
stream and an error must look like."""

from __future__ import annotations

from typing import Any

from soak.dialects.common import (TOOL_DESCRIPTION, TOOL_NAME, TOOL_PARAMETERS, ErrorAnswer, EventStream, Malformed, Reply,
                                  Request, check_counts, check_openai_error, finish_for, json_arguments)

TOOL = {"type": "function", "name": TOOL_NAME, "description": TOOL_DESCRIPTION, "parameters": TOOL_PARAMETERS}
USAGE_KEYS = {"input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details", "total_tokens"}
RESPONSE_KEYS = {"id", "object", "created_at", "status", "model", "output", "error", "incomplete_details", "instructions",
                 "tools", "tool_choice", "parallel_tool_calls", "text", "metadata", "store", "temperature", "top_p",
                 "max_output_tokens", "previous_response_id", "truncation", "usage"}
# Request fields the response repeats as they came.
ECHOED = ("instructions", "previous_response_id", "store", "user", "prompt_cache_key", "tools")
EMPTY_PART = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}


class ResponsesDialect:
    name = "responses"
    title = "Responses"
    path = "/v1/responses"
    statuses = frozenset({429, 502, 503, 504})
    keyings = ("cache_key", "user", "none")       # `prompt_cache_key`, `user`, neither
    models = ("copilot", "gpt-5-codex", "soak-model")

    def request(self, sess, history: list[dict], new: dict, streamed: bool, rng) -> Request:
        """With `previous_response_id` (when the session chains responses and has one) only the new item,
        and the instructions only now and then (the previous response's stand); else the whole conversation."""
        model = rng.choice(self.models)
        body: dict[str, Any] = {"model": model}
        previous = sess.state.get("previous_id") if sess.state["mode"] == "previous" else None
        if previous:
            body["previous_response_id"] = previous
            if rng.random() < 0.5:
                body["instructions"] = sess.system
            body["input"] = self.items(new)
        else:
            body["instructions"] = sess.system
            if not history and new["role"] == "user" and rng.random() < 0.5:
                body["input"] = new["text"]
            else:
                body["input"] = [item for e in history + [new] for item in self.items(e)]
        if sess.state["mode"] == "previous" or rng.random() < 0.7:
            body["store"] = True
        else:
            body["store"] = False
        if streamed:
            body["stream"] = True
        if sess.tools:
            body["tools"] = [TOOL]
        if sess.keying == "cache_key":
            body["prompt_cache_key"] = sess.tag
        elif sess.keying == "user":
            body["user"] = sess.tag
        return Request(self.path, body, {}, model)

    @staticmethod
    def items(entry: dict) -> list[dict]:
        if entry["role"] == "tool":
            return [{"type": "function_call_output", "call_id": entry["call_id"], "output": entry["text"]}]
        if entry["role"] == "assistant":
            return entry["raw"]   # the output items as the gateway sent them
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": entry["text"]}]}]

    def error(self, obj: Any, where: str) -> ErrorAnswer:
        return check_openai_error(obj, where)

    def whole(self, obj: Any, req: Request) -> Reply:
        return check_response(obj, req, "response")

    def stream(self, req: Request) -> "ResponseEvents":
        return ResponseEvents(req)


def check_response(obj: Any, req: Request, w: str, statuses=("completed", "incomplete")) -> Reply:
    """A finished `response`: every field, the request's echoed, usage that adds up, its output items."""
    if not isinstance(obj, dict) or not RESPONSE_KEYS <= set(obj):
        raise Malformed(f"{w}: not a response object, missing {sorted(RESPONSE_KEYS - set(obj)) if isinstance(obj, dict) else obj!r}")
    if obj["object"] != "response" or not str(obj["id"]).startswith("resp_") or not isinstance(obj["created_at"], int):
        raise Malformed(f"{w}: bad object/id/created_at {obj['object']!r} {obj['id']!r} {obj['created_at']!r}")
    if obj["model"] != req.model:
        raise Malformed(f"{w}: model {obj['model']!r} is not the requested {req.model!r}")
    if obj["status"] not in statuses or obj["error"] is not None:
        raise Malformed(f"{w}: status {obj['status']!r}, error {obj['error']!r}")
    for key in ECHOED:
        if key in req.body and obj.get(key) != req.body[key]:
            raise Malformed(f"{w}: {key} {obj.get(key)!r} does not repeat the request's {req.body[key]!r}")
    for key in ("instructions", "previous_response_id"):
        if key not in req.body and obj[key] is not None:
            raise Malformed(f"{w}: {key} {obj[key]!r}, but the request gave none")
    refused = obj["status"] == "incomplete"
    if obj["incomplete_details"] != ({"reason": "content_filter"} if refused else None):
        raise Malformed(f"{w}: incomplete_details {obj['incomplete_details']!r} with status {obj['status']}")
    u = obj["usage"]
    check_counts(u, USAGE_KEYS, w, ("total_tokens", "input_tokens", "output_tokens"))
    if not isinstance(u["input_tokens_details"], dict) or not isinstance(u["output_tokens_details"], dict):
        raise Malformed(f"{w}: usage details are not objects")
    text, calls = check_output(obj["output"], obj["id"], w)
    if refused and (calls or not text):
        raise Malformed(f"{w}: an incomplete (refused) response needs text and no calls")
    if not refused and not calls and not text:
        raise Malformed(f"{w}: a completed response with no text and no calls")
    native = obj["status"] + ("/function_call" if calls else "")
    return Reply(text, calls, finish_for(calls, refused), native, raw=obj["output"], response_id=obj["id"], whole=obj)


def check_output(output: Any, response_id: str, w: str) -> tuple[str, list[dict]]:
    """At most one message (one output_text part, non-empty), then function calls; all completed."""
    if not isinstance(output, list):
        raise Malformed(f"{w}: output is not a list")
    text, calls = "", []
    for item in output:
        if not isinstance(item, dict):
            raise Malformed(f"{w}: output item {item!r}")
        if item.get("type") == "message":
            text = check_message(item, response_id, text, calls, w)
        elif item.get("type") == "function_call":
            check_call(item, "completed", w)
            json_arguments(item["arguments"], w)
            calls.append({"id": item["call_id"], "name": item["name"], "arguments": item["arguments"]})
        else:
            raise Malformed(f"{w}: unexpected output item {str(item)[:160]}")
    return text, calls


def check_message(item: dict, response_id: str, text: str, calls: list, w: str) -> str:
    if text or calls:
        raise Malformed(f"{w}: a second message item, or a message after a call")
    part = item.get("content")
    if (set(item) != {"type", "id", "status", "role", "content"} or item["id"] != "msg_" + response_id[5:]
            or item["status"] != "completed" or item["role"] != "assistant" or not isinstance(part, list) or len(part) != 1):
        raise Malformed(f"{w}: bad message item {str(item)[:200]}")
    part = part[0]
    if (not isinstance(part, dict) or set(part) != set(EMPTY_PART) or part["type"] != "output_text"
            or not isinstance(part["text"], str) or not part["text"] or not isinstance(part["annotations"], list)):
        raise Malformed(f"{w}: bad output_text part {str(part)[:200]}")
    return part["text"]


def check_call(item: dict, status: str, w: str) -> None:
    if (set(item) != {"type", "id", "call_id", "name", "arguments", "status"} or not str(item["call_id"]).startswith("call_")
            or item["id"] != "fc_" + item["call_id"] or item["name"] != TOOL_NAME or item["status"] != status
            or not isinstance(item["arguments"], str)):
        raise Malformed(f"{w}: bad function_call item {str(item)[:200]}")


class ResponseEvents(EventStream):
    """`response.created` and `response.in_progress`, then per output item `response.output_item.added`,
    its parts and deltas and their `.done`s, `response.output_item.done`; `response.completed` (or
    `response.incomplete`) with the same items last, or `response.failed`. Every event has its `event:`
    line and the next `sequence_number`."""

    def __init__(self, req: Request) -> None:
        super().__init__(req)
        self.seq = 0
        self.id: str | None = None
        self.items: list[dict] = []
        self.open: dict | None = None
        self.final: Reply | None = None

    def event(self, lines: list[str]) -> None:
        name, obj = self.typed(lines)
        if obj.get("sequence_number") != self.seq:
            raise Malformed(f"stream: {name} has sequence_number {obj.get('sequence_number')!r}, expected {self.seq}")
        self.seq += 1
        if self.seq <= 2:
            return self.opening(name, obj)
        handler = HANDLERS.get(name)
        if handler is None:
            raise Malformed(f"stream: unexpected event {name!r}")
        handler(self, obj)

    def opening(self, name: str, obj: dict) -> None:
        expected = "response.created" if self.seq == 1 else "response.in_progress"
        r = obj.get("response")
        if name != expected or not isinstance(r, dict):
            raise Malformed(f"stream: event {self.seq - 1} is {name!r}, expected {expected}")
        if (r.get("object") != "response" or not str(r.get("id")).startswith("resp_") or r.get("status") != "in_progress"
                or r.get("output") != [] or r.get("model") != self.req.model or r.get("usage") is not None):
            raise Malformed(f"stream: {name} has a bad response {str(r)[:200]}")
        if self.id is not None and r["id"] != self.id:
            raise Malformed("stream: the response id changed within the stream")
        self.id = r["id"]

    def item_event(self, obj: dict, kind: str) -> dict:
        """The open item of `kind`, which the event names by id and place."""
        o = self.open
        if o is None or o["item"]["type"] != kind:
            raise Malformed(f"stream: {obj['type']} without an open {kind} item")
        if obj.get("item_id") != o["item"]["id"] or obj.get("output_index") != len(self.items):
            raise Malformed(f"stream: {obj['type']} names item {obj.get('item_id')!r} at {obj.get('output_index')!r}")
        if kind == "message" and obj.get("content_index") != 0:
            raise Malformed(f"stream: {obj['type']} with content_index {obj.get('content_index')!r}")
        return o

    def item_added(self, obj: dict) -> None:
        item = obj.get("item")
        if self.open is not None or obj.get("output_index") != len(self.items) or not isinstance(item, dict):
            raise Malformed("stream: output_item.added while an item is open, or at the wrong place")
        if item.get("type") == "message":
            if item != {"type": "message", "id": "msg_" + self.id[5:], "status": "in_progress", "role": "assistant", "content": []}:
                raise Malformed(f"stream: bad new message item {item!r}")
        else:
            check_call(item, "in_progress", "stream")
            if item["arguments"] != "":
                raise Malformed(f"stream: a new call with arguments {item['arguments']!r}")
        self.open = {"item": item, "text": "", "part": False, "done": False, "part_done": False}

    def part_added(self, obj: dict) -> None:
        o = self.item_event(obj, "message")
        if o["part"] or obj.get("part") != EMPTY_PART:
            raise Malformed(f"stream: bad content_part.added {str(obj)[:200]}")
        o["part"] = True

    def text_delta(self, obj: dict) -> None:
        o = self.item_event(obj, "message")
        if not o["part"] or o["done"] or not isinstance(obj.get("delta"), str) or not obj["delta"] or obj.get("logprobs") != []:
            raise Malformed(f"stream: bad output_text.delta {str(obj)[:200]}")
        o["text"] += obj["delta"]

    def text_done(self, obj: dict) -> None:
        o = self.item_event(obj, "message")
        if not o["part"] or o["done"] or obj.get("text") != o["text"]:
            raise Malformed(f"stream: output_text.done with {str(obj.get('text'))[:80]!r}, the deltas made {o['text'][:80]!r}")
        o["done"] = True

    def part_done(self, obj: dict) -> None:
        o = self.item_event(obj, "message")
        part = obj.get("part")
        if not o["done"] or o["part_done"] or not isinstance(part, dict) or part.get("text") != o["text"]:
            raise Malformed(f"stream: bad content_part.done {str(obj)[:200]}")
        o["part_done"] = True

    def arguments_delta(self, obj: dict) -> None:
        o = self.item_event(obj, "function_call")
        if o["done"] or not isinstance(obj.get("delta"), str):
            raise Malformed(f"stream: bad function_call_arguments.delta {str(obj)[:200]}")
        o["text"] += obj["delta"]

    def arguments_done(self, obj: dict) -> None:
        o = self.item_event(obj, "function_call")
        if o["done"] or obj.get("arguments") != o["text"] or obj.get("name") != o["item"]["name"]:
            raise Malformed(f"stream: function_call_arguments.done with {obj.get('arguments')!r}, the deltas made {o['text']!r}")
        o["done"] = True

    def item_done(self, obj: dict) -> None:
        o, item = self.open, obj.get("item")
        if o is None or obj.get("output_index") != len(self.items) or not isinstance(item, dict):
            raise Malformed(f"stream: output_item.done {str(obj)[:160]} without its open item")
        if o["item"]["type"] == "message":
            part = item["content"][0] if _one_part(item) else None
            if (part is None or not o["part_done"] or dict(item, content=None) != dict(o["item"], status="completed", content=None)
                    or set(part) != set(EMPTY_PART) or part["type"] != "output_text" or part["text"] != o["text"]):
                raise Malformed(f"stream: bad message output_item.done {str(item)[:200]}")
        elif not o["done"] or item != dict(o["item"], status="completed", arguments=o["text"]):
            raise Malformed(f"stream: bad function_call output_item.done {str(item)[:200]}")
        self.items.append(item)
        self.open = None

    def completed(self, obj: dict) -> None:
        if self.open is not None:
            raise Malformed(f"stream: {obj['type']} while an item is open")
        r = obj.get("response")
        statuses = ("incomplete",) if obj["type"] == "response.incomplete" else ("completed", "incomplete")
        self.final = check_response(r, self.req, f"stream {obj['type']}", statuses)
        if r["id"] != self.id or r["output"] != self.items:
            raise Malformed(f"stream: {obj['type']} differs from the stream's items: {str(r['output'])[:200]}")
        self.done = True

    def failed(self, obj: dict) -> None:
        r = obj.get("response")
        e = r.get("error") if isinstance(r, dict) else None
        if (not isinstance(r, dict) or r.get("status") != "failed" or r.get("id") != self.id or not isinstance(e, dict)
                or set(e) != {"code", "message"} or not all(isinstance(v, str) and v for v in e.values())):
            raise Malformed(f"stream: bad response.failed {str(obj)[:200]}")
        self.error = ErrorAnswer(e["code"], e["message"])

    def end(self) -> None:
        super().end()
        if self.error is None and self.final is None:
            raise Malformed("stream: no response.completed")

    def reply(self) -> Reply:
        return self.final


def _one_part(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("content"), list) and len(item["content"]) == 1 and isinstance(item["content"][0], dict)


HANDLERS = {
    "response.output_item.added": ResponseEvents.item_added,
    "response.content_part.added": ResponseEvents.part_added,
    "response.output_text.delta": ResponseEvents.text_delta,
    "response.output_text.done": ResponseEvents.text_done,
    "response.content_part.done": ResponseEvents.part_done,
    "response.function_call_arguments.delta": ResponseEvents.arguments_delta,
    "response.function_call_arguments.done": ResponseEvents.arguments_done,
    "response.output_item.done": ResponseEvents.item_done,
    "response.completed": ResponseEvents.completed,
    "response.incomplete": ResponseEvents.completed,
    "response.failed": ResponseEvents.failed,
}
