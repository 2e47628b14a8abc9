"""The error bodies the gateway must answer with, one checker per shape: each returns what is wrong
(an empty list when nothing is)."""

import json

OPENAI_ERROR_KEYS = {"message", "type", "param", "code"}


def openai_error_problems(document, headers: dict) -> list[str]:
    """`{"error":{"message":str,"type":str,"param":str|null,"code":str|null}}`, exactly those keys, message and type non-empty."""
    if not isinstance(document, dict) or set(document) != {"error"}:
        return [f"body is not {{\"error\": ...}}: {json.dumps(document)[:200]}"]
    error = document["error"]
    if not isinstance(error, dict) or set(error) != OPENAI_ERROR_KEYS:
        return [f"error keys {sorted(error) if isinstance(error, dict) else type(error).__name__}, not {sorted(OPENAI_ERROR_KEYS)}"]
    problems = []
    if not isinstance(error["message"], str) or not error["message"]:
        problems.append("error.message is not a non-empty string")
    if not isinstance(error["type"], str) or not error["type"]:
        problems.append("error.type is not a non-empty string")
    for key in ("param", "code"):
        if error[key] is not None and not isinstance(error[key], str):
            problems.append(f"error.{key} is {type(error[key]).__name__}, not a string or null")
    return problems


def anthropic_error_problems(document, headers: dict) -> list[str]:
    """`{"type":"error","error":{"type":str,"message":str},"request_id":str}`, exactly those keys, the strings
    non-empty, `request_id` the answer's `request-id` header."""
    if not isinstance(document, dict) or set(document) != {"type", "error", "request_id"} or document["type"] != "error":
        return [f"body is not {{\"type\": \"error\", \"error\": ..., \"request_id\": ...}}: {json.dumps(document)[:200]}"]
    error = document["error"]
    if not isinstance(error, dict) or set(error) != {"type", "message"}:
        return [f"error keys {sorted(error) if isinstance(error, dict) else type(error).__name__}, not ['message', 'type']"]
    problems = [f"error.{key} is not a non-empty string" for key in ("type", "message") if not isinstance(error[key], str) or not error[key]]
    if not isinstance(document["request_id"], str) or not document["request_id"] or document["request_id"] != headers.get("request-id"):
        problems.append(f"request_id {document['request_id']!r} is not the request-id header {headers.get('request-id')!r}")
    return problems


def json_error_problems(headers: dict, body: bytes, shape=openai_error_problems) -> list[str]:
    """An error answer: a JSON content type and a body of `shape`."""
    problems = []
    content_type = headers.get("content-type", "")
    if not content_type.lower().startswith("application/json"):
        problems.append(f"content-type {content_type!r}, not application/json")
    try:
        document = json.loads(body)
    except ValueError:
        return problems + [f"body is not JSON: {body[:200]!r}"]
    return problems + shape(document, headers)
