"""Mutations of a valid request body: a value replaced or removed at a path, odd values at every path."""

import copy
import json

ODD_VALUES = [None, 0, -1, 1.5, True, "", "x", [], {}, [1, "a"], {"type": "nonsense"}, "\ud800", 10**30]


def dumps(value) -> bytes:
    """JSON as UTF-8 bytes, non-ASCII text written as it is."""
    return json.dumps(value, ensure_ascii=False).encode()


def paths(value, prefix=()):
    """Every path into `value` (keys and indices)."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, prefix + (index,))


def parent_of(body, path):
    for step in path[:-1]:
        body = body[step]
    return body


def replaced(body, path, new):
    """A copy of `body` with `new` at `path`."""
    body = copy.deepcopy(body)
    parent_of(body, path)[path[-1]] = new
    return body


def removed(body, path):
    """A copy of `body` without the member at `path`."""
    body = copy.deepcopy(body)
    del parent_of(body, path)[path[-1]]
    return body


def path_label(path: tuple) -> str:
    """`messages[].content[].type` for ("messages", 0, "content", 1, "type")."""
    return "".join("[]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")


def odd_value_bodies(valid: dict, rng):
    """(label, body) with four odd values at every path of `valid` (a lone surrogate among them, as its escape)."""
    for path in list(paths(valid))[1:]:
        for value in rng.sample(ODD_VALUES, 4):
            yield path_label(path), json.dumps(replaced(valid, path, value)).encode()
