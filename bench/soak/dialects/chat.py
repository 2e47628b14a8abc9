"""OpenAI Chat Completions (`POST /v1/chat/completions`): the requests a client sends, and what a
`chat.completion`, a stream of `chat.completion.chunk`s and an error must look like."""

from __future__ import annotations

import json
from typing import Any

from soak.dialects.common import (TOOL_DESCRIPTION, TOOL_NAME, TOOL_PARAMETERS, ErrorAnswer, EventStream, Malformed, Reply,
                                  Request, check_counts, check_openai_error, json_arguments)

TOOL = {"type": "function", "function": {"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "parameters": TOOL_PARAMETERS}}
FINISH_REASONS = {"stop", "tool_calls", "content_filter"}
USAGE_KEYS = {"prompt_tokens", "completion_tokens", "total_tokens"}


def check_usage(u: Any, where: str) -> None:
    check_counts(u, USAGE_KEYS, where, ("total_tokens", "prompt_tokens", "completion_tokens"))


def neutral_calls(calls: list[dict]) -> list[dict]:
    return [{"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]} for c in calls]


class ChatDialect:
    name = "chat"
    title = "Chat Completions"
    path = "/v1/chat/completions"
    statuses = frozenset({429, 502, 503, 504})   # the error statuses a fault may cause
    keyings = ("user", "header", "none")          # `user`, `X-Session-Id`, neither
    models = ("copilot", "gpt-4o", "soak-model")

    def request(self, sess, history: list[dict], new: dict, streamed: bool, rng) -> Request:
        model = rng.choice(self.models)
        messages = [{"role": "system", "content": sess.system}] + [self.message(e) for e in history + [new]]
        body: dict[str, Any] = {"model": model, "messages": messages}
        include_usage = False
        if streamed:
            body["stream"] = True
            include_usage = rng.random() < 0.5
            if include_usage:
                body["stream_options"] = {"include_usage": True}
        if sess.tools:
            body["tools"] = [TOOL]
        headers = {}
        if sess.keying == "user":
            body["user"] = sess.tag
        elif sess.keying == "header":
            headers["X-Session-Id"] = sess.tag
        return Request(self.path, body, headers, model, include_usage)

    @staticmethod
    def message(entry: dict) -> dict:
        if entry["role"] == "tool":
            return {"role": "tool", "tool_call_id": entry["call_id"], "content": entry["text"]}
        if entry["role"] == "assistant" and entry["calls"]:
            return {"role": "assistant", "content": entry["text"] or None, "tool_calls": entry["raw"]}
        return {"role": entry["role"], "content": entry["text"]}

    def error(self, obj: Any, where: str) -> ErrorAnswer:
        return check_openai_error(obj, where)

    def whole(self, obj: Any, req: Request) -> Reply:
        """A chat.completion: one choice, a known finish_reason, usage that adds up, the model echoed."""
        w = "completion"
        if not isinstance(obj, dict):
            raise Malformed(f"{w}: not an object")
        for k in ("id", "object", "created", "model", "choices", "usage"):
            if k not in obj:
                raise Malformed(f"{w}: missing {k}")
        if obj["object"] != "chat.completion" or not str(obj["id"]).startswith("chatcmpl-"):
            raise Malformed(f"{w}: bad object/id {obj['object']!r} {obj['id']!r}")
        if obj["model"] != req.model:
            raise Malformed(f"{w}: model {obj['model']!r} is not the requested {req.model!r}")
        if not isinstance(obj["created"], int):
            raise Malformed(f"{w}: created is not an integer")
        check_usage(obj["usage"], w)
        ch = obj["choices"]
        if not isinstance(ch, list) or len(ch) != 1 or ch[0].get("index") != 0:
            raise Malformed(f"{w}: choices must be one choice with index 0")
        msg, fr = ch[0].get("message"), ch[0].get("finish_reason")
        if fr not in FINISH_REASONS:
            raise Malformed(f"{w}: finish_reason {fr!r}")
        if not isinstance(msg, dict) or msg.get("role") != "assistant" or "content" not in msg:
            raise Malformed(f"{w}: bad message {msg!r}")
        content, calls = msg["content"], msg.get("tool_calls") or []
        if content is not None and not isinstance(content, str):
            raise Malformed(f"{w}: content is neither a string nor null")
        if fr == "tool_calls":
            if not calls:
                raise Malformed(f"{w}: finish_reason tool_calls without tool_calls")
            for c in calls:
                if (not isinstance(c, dict) or not str(c.get("id", "")).startswith("call_") or c.get("type") != "function"
                        or not isinstance(c.get("function"), dict) or not isinstance(c["function"].get("name"), str)
                        or not isinstance(c["function"].get("arguments"), str)):
                    raise Malformed(f"{w}: bad tool call {c!r}")
                json_arguments(c["function"]["arguments"], w)
        else:
            if calls:
                raise Malformed(f"{w}: tool_calls with finish_reason {fr}")
            if not isinstance(content, str) or not content:
                raise Malformed(f"{w}: empty content with finish_reason {fr}")
        return Reply(content or "", neutral_calls(calls), fr, fr, raw=calls)

    def stream(self, req: Request) -> "ChunkStream":
        return ChunkStream(req)


class ChunkStream(EventStream):
    """The role chunk first, append-only content or tool-call deltas (id, type and name once per call),
    one finish chunk, the usage chunk when asked, `[DONE]` last; or a final `{"error":…}` event."""

    def __init__(self, req: Request) -> None:
        super().__init__(req)
        self.id: str | None = None
        self.saw_role = False
        self.finish: str | None = None
        self.saw_usage = False
        self.content = ""
        self.calls: dict[int, dict] = {}

    def event(self, lines: list[str]) -> None:
        if len(lines) != 1 or not lines[0].startswith("data: "):
            raise Malformed(f"stream: unexpected event {chr(10).join(lines)[:160]!r}")
        payload = lines[0][6:]
        if payload == "[DONE]":
            if self.finish is None:
                raise Malformed("stream: [DONE] before a finish_reason chunk")
            if self.req.include_usage and not self.saw_usage:
                raise Malformed("stream: [DONE] without the requested usage chunk")
            self.done = True
            return
        try:
            obj = json.loads(payload)
        except ValueError:
            raise Malformed(f"stream: data is not JSON: {payload[:160]!r}") from None
        if isinstance(obj, dict) and "error" in obj:
            if not self.saw_role:
                raise Malformed("stream: error event before the role chunk")
            self.error = check_openai_error(obj, "stream error event")
            return
        self.chunk(obj)

    def chunk(self, obj: Any) -> None:
        w = "stream chunk"
        if not isinstance(obj, dict) or obj.get("object") != "chat.completion.chunk":
            raise Malformed(f"{w}: not a chat.completion.chunk: {str(obj)[:160]}")
        if obj.get("model") != self.req.model or not isinstance(obj.get("created"), int):
            raise Malformed(f"{w}: bad model/created {obj.get('model')!r}")
        if self.id is None:
            self.id = obj.get("id")
            if not str(self.id).startswith("chatcmpl-"):
                raise Malformed(f"{w}: bad id {self.id!r}")
        elif obj.get("id") != self.id:
            raise Malformed(f"{w}: id changed within the stream")
        choices = obj.get("choices")
        if choices == []:
            if not self.req.include_usage or self.finish is None or self.saw_usage:
                raise Malformed(f"{w}: unexpected usage chunk")
            check_usage(obj.get("usage"), w)
            self.saw_usage = True
            return
        if "usage" in obj:
            raise Malformed(f"{w}: usage on a content chunk")
        if self.saw_usage:
            raise Malformed(f"{w}: chunk after the usage chunk")
        if not isinstance(choices, list) or len(choices) != 1 or choices[0].get("index") != 0:
            raise Malformed(f"{w}: choices must be one choice with index 0")
        c = choices[0]
        if "finish_reason" not in c or "delta" not in c:
            raise Malformed(f"{w}: choice without delta/finish_reason")
        if self.finish is not None:
            raise Malformed(f"{w}: chunk after the finish_reason chunk")
        self.choice(c["delta"], c["finish_reason"], c)

    def choice(self, delta: dict, fr: str | None, c: dict) -> None:
        w = "stream chunk"
        if not self.saw_role:
            if delta.get("role") != "assistant" or fr is not None:
                raise Malformed(f"{w}: the first chunk is not the role chunk: {delta!r}")
            self.saw_role = True
            if delta.get("content") not in (None, ""):
                self.content += delta["content"]
            return
        if "role" in delta:
            raise Malformed(f"{w}: a second role delta")
        if fr is not None:
            if fr not in FINISH_REASONS or delta != {}:
                raise Malformed(f"{w}: bad finish chunk {c!r}")
            if fr == "tool_calls" and not self.calls:
                raise Malformed(f"{w}: finish_reason tool_calls without tool-call deltas")
            if fr != "tool_calls" and self.calls:
                raise Malformed(f"{w}: tool-call deltas but finish_reason {fr}")
            if fr != "tool_calls" and not self.content:
                raise Malformed(f"{w}: finish_reason {fr} with no content")
            self.finish = fr
            return
        if "content" in delta:
            if not isinstance(delta["content"], str) or delta["content"] == "":
                raise Malformed(f"{w}: empty or non-string content delta")
            self.content += delta["content"]
        if "tool_calls" in delta:
            if not isinstance(delta["tool_calls"], list) or not delta["tool_calls"]:
                raise Malformed(f"{w}: tool_calls delta is not a non-empty list: {delta!r}")
            for tc in delta["tool_calls"]:
                self.tool_call_delta(tc)
        if "content" not in delta and "tool_calls" not in delta:
            raise Malformed(f"{w}: empty delta {delta!r}")

    def tool_call_delta(self, tc: Any) -> None:
        if not isinstance(tc, dict):
            raise Malformed(f"stream chunk: a tool-call delta is not an object: {tc!r}")
        i = tc.get("index")
        fn = tc.get("function") or {}
        if i not in self.calls:
            if (i != len(self.calls) or not str(tc.get("id", "")).startswith("call_") or tc.get("type") != "function"
                    or not isinstance(fn.get("name"), str)):
                raise Malformed(f"stream chunk: a new tool call must bring index, id, type and name: {tc!r}")
            self.calls[i] = {"id": tc["id"], "type": "function",
                             "function": {"name": fn["name"], "arguments": fn.get("arguments", "")}}
        else:
            if "id" in tc or "type" in tc or "name" in fn:
                raise Malformed(f"stream chunk: tool call {i}'s id/type/name repeated")
            self.calls[i]["function"]["arguments"] += fn.get("arguments", "")

    def end(self) -> None:
        if self.buf.strip():
            raise Malformed(f"stream: trailing bytes without a blank line: {self.buf[:120]!r}")
        if not self.done and self.error is None:
            raise Malformed(f"stream: ended without [DONE] or an error event (finish={self.finish})")
        for c in self.calls.values():
            json_arguments(c["function"]["arguments"], "stream")

    def reply(self) -> Reply:
        calls = [self.calls[i] for i in sorted(self.calls)]
        return Reply(self.content, neutral_calls(calls), self.finish, self.finish, raw=calls)
