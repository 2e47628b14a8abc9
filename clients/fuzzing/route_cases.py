"""The bad requests of `test_fuzz.py` around the route (kinds auth and route): missing, wrong and odd
credentials, and wrong methods, path spellings (a trailing slash), unknown paths and odd queries near a
dialect's route. Each error must have the shape its target's route gives (`fuzzing.dialects.shape_of`)."""

import base64
import random

from fuzzing.case import FUZZ_KEY, HOST, Case
from fuzzing.dialects import Dialect, error_code, route_shape, shape_of
from fuzzing.mutate import dumps

UNAUTHORIZED = frozenset({401})


def credential_variants() -> list[tuple[str, list, str, str | frozenset]]:
    """(label, headers, query, expected status): credentials that must not let a request in, and two ambiguous pairs."""
    key = FUZZ_KEY
    b64 = base64.b64encode
    refused = [
        ("none", [], ""), ("bearer-wrong", [("Authorization", "Bearer wrong-key-000000000000000")], ""),
        ("bearer-empty", [("Authorization", "Bearer ")], ""), ("bearer-no-token", [("Authorization", "Bearer")], ""),
        ("bearer-no-space", [("Authorization", "Bearer" + key)], ""), ("bearer-tab", [("Authorization", "Bearer\t" + key)], ""),
        ("basic-key", [("Authorization", "Basic " + b64(key.encode()).decode())], ""),
        ("basic-user-key", [("Authorization", "Basic " + b64(("user:" + key).encode()).decode())], ""),
        ("token-scheme", [("Authorization", "Token " + key)], ""), ("no-scheme", [("Authorization", key)], ""),
        ("key+suffix", [("Authorization", "Bearer " + key + "x")], ""), ("key-prefix", [("Authorization", "Bearer " + key[:-1])], ""),
        ("key-upper", [("Authorization", "Bearer " + key.upper())], ""), ("key-reversed", [("Authorization", "Bearer " + key[::-1])], ""),
        ("key-twice", [("Authorization", f"Bearer {key} {key}")], ""), ("bearer-8k", [("Authorization", "Bearer " + "k" * 8000)], ""),
        ("bearer-latin1", [("Authorization", b"Bearer \xe9\xe9\xe9")], ""), ("bearer-utf8", [("Authorization", "Bearer \u00e9\u00e9".encode())], ""),
        ("bearer-null", [("Authorization", "Bearer null")], ""), ("bearer-undefined", [("Authorization", "Bearer undefined")], ""),
        ("x-api-key-wrong", [("x-api-key", "wrong-key-000000000000000")], ""), ("x-api-key-empty", [("x-api-key", "")], ""),
        ("x-api-key-bearer", [("x-api-key", "Bearer " + key)], ""), ("x-api-key+suffix", [("x-api-key", key + "x")], ""),
        ("x-api-key-prefix", [("x-api-key", key[:-1])], ""), ("x-api-key-upper", [("x-api-key", key.upper())], ""),
        ("x-api-key-8k", [("x-api-key", "k" * 8000)], ""), ("x-api-key-latin1", [("x-api-key", b"\xe9" + key.encode())], ""),
        ("api-key-header", [("api-key", key)], ""), ("proxy-authorization", [("Proxy-Authorization", "Bearer " + key)], ""),
        ("cookie", [("Cookie", f"api_key={key}")], ""), ("query:api_key", [], f"?api_key={key}"), ("query:key", [], f"?key={key}"),
        ("query:access_token", [], f"?access_token={key}"), ("query:api-key", [], f"?api-key={key}"),
        ("query:authorization", [], f"?Authorization=Bearer%20{key}"), ("query:x-api-key", [], f"?x-api-key={key}"),
        ("wrong-bearer+wrong-x-api-key", [("Authorization", "Bearer nope-nope-nope-nope"), ("x-api-key", "nope-nope-nope-nope")], ""),
    ]
    ambiguous = [
        ("wrong-bearer+good-x-api-key", [("Authorization", "Bearer nope-nope-nope-nope"), ("x-api-key", key)], "", "any"),
        ("two-authorizations", [("Authorization", "Bearer nope-nope-nope-nope"), ("Authorization", "Bearer " + key)], "", "any"),
        ("two-x-api-keys", [("x-api-key", "nope-nope-nope-nope"), ("x-api-key", key)], "", "any"),
    ]
    return [(label, headers, query, UNAUTHORIZED) for label, headers, query in refused] + ambiguous


def auth_cases(rng: random.Random, start: int, count: int, dialect: Dialect) -> list[Case]:
    """Kind auth: credential variants against a gateway with an API key, on the dialect's routes (and the models
    list): 401 with the gateway's code (`invalid_api_key`; Anthropic's `authentication_error`)."""
    variants = credential_variants()
    targets = [("POST", path) for path in dialect.paths] * 2 + [("GET", path) for path in ("/v1/models", "/models") + dialect.item_paths]
    cases = []
    for n in range(count):
        i = start + n
        sub, headers, query, expect = variants[n % len(variants)]
        method, target = rng.choice(targets)
        body = dumps(dialect.valid(i)) if method == "POST" else None
        data = dialect.request(method, target + query, body, i, headers, credentials=False)
        shape = shape_of(target, dialect.versioned(i))
        code = error_code(shape, "invalid_api_key") if expect == UNAUTHORIZED else None
        cases.append(Case("auth", sub, data, expect, shape=shape, code=code))
    return cases


SHARED_PATHS = ["/v1/models", "/models", "/health", "/healthz", "/readyz", "/metrics", "/login"]
METHODS = ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "LINK", "PURGE", "MKCOL", "SEARCH", "REPORT", "FOO", "get", "M-SEARCH"]
UNKNOWN_METHODS = ("FOO", "get", "M-SEARCH")
WORDS = ["v1", "v2", "chat", "completions", "models", "admin", "..", ".", "%2e%2e", "etc", "passwd", "api", "x", "", "health", "messages",
         "responses", "count_tokens"]
ODD_QUERIES = ["?", "?%", "?a=%zz", "?&&&", "?=", "?a[]=1&a[]=2", "?a=1&a=2", "?" + "q=" + "%41" * 2000, "?\u00e9".encode().decode("latin-1"),
               "?a=%00", "?stream=true", "?model=copilot&n=5", "#frag", "?x#y", "?%2e%2e", "?a=%ff%fe", "?" + "&" * 3000, "?beta=true"]


def junk_paths(path: str, rng: random.Random) -> list[str]:
    """Paths near `path` (the dialect's) and elsewhere that no route serves as they are spelt."""
    head, _, tail = path.rpartition("/")
    return ["/%", "/%zz", "/%0", "/%00", "/%ff%fe", "/%c0%af", "/v1/%ZZ", f"{head}%2F{tail}", path + "%00", path + "%20",
            "/%2e%2e/%2e%2e/etc/passwd", "/v1/models/../../etc/passwd", "/..%2f..%2fetc%2fpasswd", "/v1/%E2%80%AE", "/v1/%u0041",
            path + "/%", "/%%%%", "/v1/models%3Fapi_key=x", "/\\..\\..\\windows", path + ";jsessionid=x", path + "/x/y",
            "/" + "a" * rng.randint(2000, 16000), "/v1/" + "%41" * rng.randint(100, 3000), "*", f"http://{HOST}/v1/nope",
            "/v1/\u00e9".encode().decode("latin-1")]


def served(path: str) -> bool:
    """Whether a route serves `path`: a dialect's, the models list or /health."""
    return route_shape(path) is not None or path.strip("/") in {"", "v1/models", "models", "health"}


class Routes:
    """Kind route's cases as they are made: requests with the dialect's valid credential, numbered from `start`."""

    def __init__(self, rng: random.Random, start: int, dialect: Dialect):
        self.rng, self.i, self.dialect = rng, start, dialect
        self.bad_body = dumps({dialect.refused_path[0]: 5})
        self.cases: list[Case] = []

    def add(self, sub: str, method: str, target: str, expect, with_body: bool = False, head: bool = False) -> None:
        self.i += 1
        data = self.dialect.request(method, target, self.bad_body if with_body else None, self.i)
        self.cases.append(Case("route", sub, data, expect, shape=shape_of(target, self.dialect.versioned(self.i)), head=head))

    def unknown_path(self) -> None:
        path = "/" + "/".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 5)))
        path = "/nope" + path if served(path) else path
        method = self.rng.choice(["GET", "POST"])
        self.add(f"unknown-path:{method}", method, path, frozenset({404}), with_body=method == "POST")

    def method(self, known: list[str]) -> None:
        method = self.rng.choice(METHODS)
        self.add(f"method:{'unknown' if method in UNKNOWN_METHODS else 'unsupported'}", method, self.rng.choice(known), "4xx",
                 with_body=self.rng.random() < 0.5)

    def wrong_method(self, known: list[str]) -> None:
        path = self.rng.choice(known)
        posted = path.rstrip("/") in self.dialect.paths or path.rstrip("/") in ("/v1/images/generations", "/images/generations")
        method = self.rng.choice(["GET", "GET", "HEAD", "OPTIONS"] if posted else ["HEAD", "OPTIONS"] + ([] if path == "/login" else ["POST"]))
        if method == "HEAD":
            self.add("method:HEAD", method, path, "any", head=True)
        elif method == "OPTIONS":
            self.add("method:OPTIONS", method, path, "any")
        else:
            self.add(f"wrong-method:{method}-on-{'POST' if method == 'GET' else 'GET'}-route", method, path, "4xx")

    def odd_query(self) -> None:
        if self.rng.random() < 0.5:
            self.add("odd-query:GET", "GET", self.rng.choice(["/v1/models", "/models", "/health", "/healthz", "/readyz"]) + self.rng.choice(ODD_QUERIES), "any")
        else:
            self.add("odd-query:POST-bad-body", "POST", self.rng.choice(self.dialect.paths) + self.rng.choice(ODD_QUERIES), "4xx", with_body=True)

    def junk_path(self) -> None:
        method = self.rng.choice(["GET", "POST"])
        self.add("junk-path", method, self.rng.choice(junk_paths(self.dialect.path, self.rng)), "4xx", with_body=method == "POST")


def route_cases(rng: random.Random, start: int, count: int, dialect: Dialect) -> list[Case]:
    """Kind route: unknown paths (404), unsupported and unknown methods on the dialect's paths (with and without a
    trailing slash; with `shared_routes`, on the shared ones too), odd queries, junk paths; then the dialect's path
    spelt otherwise with a body it refuses: 4xx."""
    made = Routes(rng, start, dialect)
    known = list(dialect.paths) + [path + "/" for path in dialect.paths] + list(dialect.item_paths)
    if dialect.shared_routes:
        known += SHARED_PATHS + ["/v1/images/generations"]
    makers = [made.unknown_path, lambda: made.method(known), lambda: made.wrong_method(known), made.odd_query, made.odd_query, made.junk_path]
    for n in range(count):
        makers[n % len(makers)]()
    for path in dialect.paths:
        for spelling in [path + "/", "/" + path, path.replace("/", "//", 2), path.upper(), path + "?", path + "/?x=1"]:
            made.add("path-spelling:POST-bad-body", "POST", spelling, "4xx", with_body=True)
    return made.cases
