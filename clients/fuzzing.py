"""What the seeded API fuzz tests share: mutations of a valid body, and sending them."""

import copy
import json
import urllib.error
import urllib.request

ODD_VALUES = [None, 0, -1, 1.5, True, "", "x", [], {}, [1, "a"], {"type": "nonsense"}, "\ud800", 10**30]


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


def post_all(url: str, bodies, check_error, headers=None) -> dict:
    """POSTs every body; no answer may be a 5xx, and `check_error` checks every error body. Returns the count per status."""
    statuses = {}
    for body in bodies:
        request = urllib.request.Request(url, data=body, method="POST", headers=dict({"content-type": "application/json"}, **(headers or {})))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, f"{status} for {body[:200]!r}: {payload[:300]!r}"
        if status >= 400:
            check_error(json.loads(payload), payload)
    return statuses
