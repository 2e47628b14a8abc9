"""One answer of the gateway checked against its contract.

An `AnswerCheck` is made from the request's and the answer's heads; it then takes the whole body of a JSON
answer (`body`) or each event of a streamed one (`event`), and the answer's end (`end`), from whoever carried
it: the wire tap, or a test. What it finds is in `violations`, one dict each (see `report`).
"""

import collections
import hashlib
import json

from contracts.rules import Expect, Rules, media_type
from contracts.streams import stream_check

SKIP, WHOLE, STREAM = "skip", "whole", "stream"
COMPLETE, CUT, ABANDONED = "complete", "cut", "abandoned"  # how an answer ended: whole, closed early by the gateway, or by the client
BIG = 64 << 10  # bodies this large have their validation remembered: identical ones are checked once
_remembered: collections.OrderedDict = collections.OrderedDict()


class AnswerCheck:
    def __init__(self, rules: Rules, method: str, target: str, request_headers: dict, status: int, headers: dict,
                 violations: list | None = None):
        self.rules = rules
        self.route = rules.route(method, target, request_headers)
        self.violations: list[dict] = [] if violations is None else violations  # where the violations go
        self.expect = Expect()
        if self.route and method.upper() != "HEAD" and status not in (204, 304):
            self.expect = rules.expect(self.route, status, media_type(headers))
        self.mode = STREAM if self.expect.stream else WHOLE if self.expect.schema else SKIP
        self.context = {"method": method, "target": target, "status": status,
                        "dialect": self.route.dialect if self.route else None, "endpoint": self.route.endpoint if self.route else None}
        self.stream = stream_check(rules, self.route, self.expect, self.report) if self.mode == STREAM else None

    def start(self) -> None:
        """Reports what is wrong with the answer's status and content type as such."""
        if self.expect.problem:
            self.report(where="(answer)", message=self.expect.problem)

    def body(self, data: bytes) -> None:
        """The whole body of a JSON answer."""
        if self.mode != WHOLE:
            return
        try:
            value = json.loads(data)
        except ValueError as error:
            self.report(where="(body)", message=f"the body is not JSON ({error}): {data[:80]!r}")
            return
        for found in self._problems(value, data):
            self.report(where=found.where, message=found.message, schema=self.expect.schema, within=found.schema, document=found.document)

    def event(self, name: str | None, data: str) -> None:
        """One event of a streamed answer: its `event:` name (None without one) and its data."""
        if self.stream:
            self.stream.event(name, data)

    def wire_problem(self, message: str) -> None:
        """Something wrong with how the answer was framed (invalid UTF-8 in a stream, an unfinished event...)."""
        self.report(where="(stream)" if self.stream else "(body)", message=message)

    def end(self, how: str) -> None:
        if how == CUT:
            self.report(where="(answer)", message="the gateway closed the connection before the answer was complete")
        if self.stream:
            self.stream.end(how == COMPLETE)

    def report(self, where: str, message: str, schema: str | None = None, within: str | None = None,
               event: int | None = None, event_type: str | None = None, document: str | None = None) -> None:
        self.violations.append(dict(self.context, document=document or self.expect.document, schema=schema or self.expect.schema,
                                    within=within, event=event, event_type=event_type, where=where, message=message))

    def _problems(self, value, data: bytes) -> list:
        if len(data) < BIG:
            return self.rules.problems(self.expect.document, self.expect.schema, value)
        key = (self.expect.document, self.expect.schema, hashlib.sha256(data).hexdigest())
        if key not in _remembered:
            _remembered[key] = self.rules.problems(self.expect.document, self.expect.schema, value)
            while len(_remembered) > 16:
                _remembered.popitem(last=False)
        return _remembered[key]
