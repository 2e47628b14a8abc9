"""Mutations of a valid request body: odd values at every path, a schema nested deep, cut and corrupted bytes."""

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


def replaced(body, path, new):
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return body


def mutations(valid: dict, rng, schema_path: tuple):
    """Odd values at every path, a schema nested 200 deep at `schema_path`, and the body cut short or
    with one byte changed at random places."""
    for path in list(paths(valid))[1:]:
        for value in rng.sample(ODD_VALUES, 4):
            yield json.dumps(replaced(valid, path, value)).encode("utf-8", "surrogatepass")
    deep = {"type": "object"}
    for _ in range(200):
        deep = {"type": "object", "properties": {"a": deep}}
    yield json.dumps(replaced(valid, schema_path, deep)).encode()
    text = json.dumps(valid).encode()
    for _ in range(60):
        cut = rng.randrange(len(text))
        yield text[:cut]
        yield text[:cut] + bytes([rng.randrange(256)]) + text[cut + 1:]
