"""A streamed answer's events checked as they come: each event's data against its schema, and their order.

`stream_check(kind, ...)` makes the checker of a kind of stream; its `event(name, data)` takes each event (its
`event:` name, or None, and its data text) and `end(complete)` the end of the answer: the checks of a whole
stream (a terminal event, `[DONE]`...) run only when it ended complete, not when the client hung up first.
"""

import json

from contracts import superset

TERMINAL = ("response.completed", "response.incomplete", "response.failed")


class Stream:
    def __init__(self, rules, route, expect, report):
        self.rules, self.route, self.expect, self._report = rules, route, expect, report
        self.index = -1  # the current event's, counting every event of the stream from 0
        self.type = None  # the current event's type
        self.done = False  # whether `data: [DONE]` came (the streams of OpenAI's dialect end with it)

    def event(self, name: str | None, data: str) -> None:
        self.index += 1
        self.type = None
        self.on_event(name, data)

    def end(self, complete: bool) -> None:
        pass

    def on_event(self, name: str | None, data: str) -> None:
        raise NotImplementedError

    def problem(self, message: str, where: str = "(stream)", schema: str | None = None, within: str | None = None,
                document: str | None = None) -> None:
        self._report(where=where, message=message, schema=schema, within=within, event=self.index, event_type=self.type,
                     document=document)

    def end_problem(self, message: str) -> None:
        self._report(where="(stream)", message=message, event=None, event_type=None)

    def parse(self, data: str):
        """The event's JSON data, or None (reported) when it is not a JSON object."""
        try:
            value = json.loads(data)
        except ValueError as error:
            self.problem(f"data is not JSON ({error}): {data[:80]!r}")
            return None
        if not isinstance(value, dict):
            self.problem(f"data is not a JSON object: {data[:80]!r}")
            return None
        self.type = value.get("type") if isinstance(value.get("type"), str) else None
        return value

    def parse_until_done(self, data: str):
        """Like `parse`, for a stream that `data: [DONE]` ends: None for [DONE] itself, and an event after it is reported."""
        if self.done:
            self.problem("an event after data: [DONE]")
        if data == "[DONE]":
            self.done = True
            return None
        return self.parse(data)

    def validate(self, document: str, schema: str, value) -> None:
        for found in self.rules.problems(document, schema, value):
            self.problem(found.message, found.where, schema, found.schema, found.document)


class ChatStream(Stream):
    """Chat Completions: chunks, then `data: [DONE]` last; an error event `{"error": {...}}` may end it early."""

    def __init__(self, *args):
        super().__init__(*args)
        self.failed = False

    def on_event(self, name, data):
        value = self.parse_until_done(data)
        if value is None:
            return
        if self.failed:
            self.problem("an event after the error event that ended the stream")
        if "error" in value and "choices" not in value:
            self.failed = True
            self.validate("openai", "ErrorResponse", value)
        else:
            self.validate(self.expect.document, self.expect.schema or "CreateChatCompletionStreamResponse", value)

    def end(self, complete):
        if complete and not self.done and not self.failed:
            self.end_problem("the stream ended without data: [DONE]")


class ResponsesStream(Stream):
    """Responses: each event by its `type` (Open Responses' events, else OpenAI's: contracts.superset);
    `sequence_number` 0, 1, 2...; `response.created` first; exactly one terminal event, last (or an `error` event
    ends it); every `output_item.added` (and `content_part.added`) closed by its `.done` before the terminal event."""

    def __init__(self, *args):
        super().__init__(*args)
        self.sequence = 0
        self.terminal = None
        self.failed = False
        self.items, self.parts = set(), set()

    def on_event(self, name, data):
        value = self.parse_until_done(data)
        if value is None:
            return
        kind = self.type
        if name is not None and name != kind:
            self.problem(f"its `event: {name}` line does not name its type {kind!r}")
        schema = superset.event_schema(self.rules, kind)
        if schema:
            self.validate(*schema, value)
        else:
            self.problem(f"event type {kind!r} is defined by neither the Open Responses nor the OpenAI document", "type")
        self.check_order(kind, value)

    def check_order(self, kind, value):
        number = value.get("sequence_number")
        if number != self.sequence:
            self.problem(f"sequence_number {number!r}, expected {self.sequence}", "sequence_number")
        self.sequence = number + 1 if isinstance(number, int) else self.sequence + 1
        if self.index == 0 and kind != "response.created":
            self.problem(f"the first event is {kind!r}, not 'response.created'")
        if self.terminal:
            self.problem(f"an event after the terminal event {self.terminal!r}")
        if self.failed and kind not in TERMINAL:
            self.problem("an event after the error event")
        if kind == "error":
            self.failed = True
        place = value.get("output_index"), value.get("content_index")
        if kind == "response.output_item.added":
            self.opened(self.items, place[0], "output item")
        elif kind == "response.output_item.done":
            self.closed(self.items, place[0], "output item")
        elif kind == "response.content_part.added":
            self.opened(self.parts, place, "content part")
        elif kind == "response.content_part.done":
            self.closed(self.parts, place, "content part")
        elif kind in TERMINAL:
            self.terminal = kind
            self.unclosed(self.problem)

    def opened(self, open_ones, place, what):
        if place in open_ones:
            self.problem(f"{what} {place} added again before its .done")
        open_ones.add(place)

    def closed(self, open_ones, place, what):
        if place not in open_ones:
            self.problem(f"{what} {place} done without its .added")
        open_ones.discard(place)

    def unclosed(self, report):
        for place in sorted(self.items, key=str):
            report(f"output item {place} was added but never done")
        for place in sorted(self.parts, key=str):
            report(f"content part {place} was added but never done")
        self.items, self.parts = set(), set()

    def end(self, complete):
        if not complete:
            return
        if not self.terminal and not self.failed:
            self.end_problem("the stream ended without a terminal event (response.completed, response.incomplete or response.failed)")
        self.unclosed(self.end_problem)


class MessagesStream(Stream):
    """Anthropic Messages: each event's `event:` name is its data's type; `message_start` first; content blocks
    started, deltas and stopped one at a time by index 0, 1, 2...; `message_delta`, then `message_stop` last;
    `ping` (exactly `{"type": "ping"}`) anywhere; an `error` event ends the stream."""

    def __init__(self, *args):
        super().__init__(*args)
        self.events = self.rules.event_schemas("anthropic", "BetaMessageStreamEvent" if self.route.beta else "MessageStreamEvent")
        self.error = self.rules.error_schema(self.route)
        self.started = self.delta = self.stopped = self.failed = False
        self.block = None  # the open content block's index
        self.next_block = 0

    def on_event(self, name, data):
        value = self.parse(data)
        if value is None:
            return
        kind = self.type
        if name != kind:
            self.problem(f"its event name {name!r} is not its data's type {kind!r}")
        if self.stopped or self.failed:
            self.problem(f"an event after {'message_stop' if self.stopped else 'the error event'}")
        if kind == "ping":
            if value != {"type": "ping"}:
                self.problem(f"a ping is exactly {{\"type\": \"ping\"}}, not {data[:120]}")
            return
        if kind == "error":
            self.failed = True
            self.validate(*self.error, value)
            return
        if kind in self.events:
            self.validate("anthropic", self.events[kind], value)
        else:
            self.problem(f"event type {kind!r} is not one of {', '.join(self.events)} (nor ping or error)", "type")
            return
        self.check_order(kind, value.get("index"))

    def check_order(self, kind, index):
        if kind == "message_start":
            if self.started:
                self.problem("a second message_start")
            self.started = True
            return
        if not self.started:
            self.problem(f"{kind} before message_start")
        if kind == "content_block_start":
            if self.delta:
                self.problem("a content block started after message_delta")
            if self.block is not None:
                self.problem(f"content block {index!r} started while block {self.block} is open")
            if index != self.next_block:
                self.problem(f"content block index {index!r}, expected {self.next_block}", "index")
            self.block = index
            self.next_block = index + 1 if isinstance(index, int) else self.next_block + 1
        elif kind in ("content_block_delta", "content_block_stop"):
            if self.block is None or index != self.block:
                self.problem(f"{kind} for content block {index!r}, which is not open", "index")
            if kind == "content_block_stop":
                self.block = None
        elif kind == "message_delta":
            if self.block is not None:
                self.problem(f"message_delta while content block {self.block} is open")
            self.delta = True
        elif kind == "message_stop":
            if not self.delta:
                self.problem("message_stop without a message_delta before it")
            self.stopped = True

    def end(self, complete):
        if complete and not self.stopped and not self.failed:
            self.end_problem("the stream ended without message_stop")


class GenericStream(Stream):
    """Any other declared event stream: each event's data against the declared schema; `[DONE]` may end it."""

    def on_event(self, name, data):
        if data == "[DONE]":
            return
        value = self.parse(data)
        if value is not None and self.expect.schema:
            self.validate(self.expect.document, self.expect.schema, value)


KINDS = {"chat": ChatStream, "responses": ResponsesStream, "messages": MessagesStream, "generic": GenericStream}


def stream_check(rules, route, expect, report) -> Stream:
    return KINDS[expect.stream](rules, route, expect, report)
