"""The bad requests of `test_fuzz.py` around the body (kinds framing, oversize, auth and route): HTTP
framing errors as raw bytes, bodies over the limit, API-key variants, unknown paths and methods."""

import base64
import json
import random
from typing import Callable

from fuzzing.case import FUZZ_KEY, HOST, LIMIT, Case, chat_body, post_chat, request_bytes
from fuzzing.mutate import dumps


def chunked(body: bytes, rng: random.Random) -> bytes:
    out, at = b"", 0
    while at < len(body):
        size = rng.randint(1, max(1, len(body) // 3))
        out += f"{size:x}\r\n".encode() + body[at:at + size] + b"\r\n"
        at += size
    return out + b"0\r\n\r\n"


class Framing:
    """Kind 5's templates: each makes a case of a framing error around a body."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.head = f"POST /v1/chat/completions HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {FUZZ_KEY}\r\nContent-Type: application/json\r\n"

    def te_head(self, te: str = "chunked") -> bytes:
        return (self.head + f"Transfer-Encoding: {te}\r\n\r\n").encode()

    def bad_hex(self, i, body):
        size = self.rng.choice(["zz", "-1", "0x10", "f" * 25, "g1", "1g", "+5", "5\x00", "", "1_0"])
        return Case("framing", "chunked:bad-hex-size", self.te_head() + size.encode() + b"\r\n" + body[:16] + b"\r\n0\r\n\r\n", frozenset({400}))

    def missing_crlf(self, i, body):
        cut = self.rng.randrange(1, len(body))
        tail = self.rng.choice([b"0\r\n\r\n", b"XY0\r\n\r\n", b"\r0\r\n\r\n", b"\x000\r\n\r\n"])
        return Case("framing", "chunked:missing-crlf", self.te_head() + f"{cut:x}\r\n".encode() + body[:cut] + tail, frozenset({400}))

    def size_beyond_data(self, i, body):
        cut = self.rng.randrange(1, len(body))
        return Case("framing", "chunked:size>data+half-close", self.te_head() + f"{len(body) + 100:x}\r\n".encode() + body[:cut],
                    frozenset({400}), half_close=True, silent_ok=True)

    def no_last_chunk(self, i, body):
        return Case("framing", "chunked:no-last-chunk+half-close", self.te_head() + f"{len(body):x}\r\n".encode() + body + b"\r\n",
                    frozenset({400}), half_close=True, silent_ok=True)

    def te_identity(self, i, body):
        if self.rng.random() < 0.5:
            data = (self.head + f"Transfer-Encoding: identity\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            return Case("framing", "te:identity+content-length", data, frozenset({400}))
        return Case("framing", "te:identity", self.te_head("identity") + body, frozenset({400}))

    def te_bogus(self, i, body):
        te = self.rng.choice(["bogus", "chunked, bogus", "x-chunked", "chunked, identity", "gzip", "identity"])
        return Case("framing", "te:bogus", self.te_head(te) + chunked(body, self.rng), frozenset({400}))

    def te_odd_but_chunked_last(self, i, body):
        te = self.rng.choice(["bogus, chunked", "gzip, chunked", "identity, chunked", "chunked, chunked", "chunked;q=1"])
        return Case("framing", "te:other-then-chunked", self.te_head(te) + chunked(body, self.rng), "4xx")

    def te_and_length(self, i, body):
        data = (self.head + f"Content-Length: {len(body)}\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + chunked(body, self.rng)
        return Case("framing", "te+content-length", data, "any")

    def length_beyond_body(self, i, body):
        cut = self.rng.randrange(0, len(body))
        data = (self.head + f"Content-Length: {len(body) + self.rng.randint(1, 5000)}\r\n\r\n").encode() + body[:cut]
        return Case("framing", "content-length>body+half-close", data, frozenset({400}), half_close=True, silent_ok=True)

    def bad_length(self, i, body):
        value = self.rng.choice(["abc", "-1", "1.5", "0x10", f"{len(body)}, {len(body) + 1}", "", " ", "1e3", "99999999999999999999999", "+5"])
        data = (self.head + f"Content-Length: {value}\r\n\r\n").encode() + body
        return Case("framing", "content-length:invalid", data, frozenset({400}))

    def two_lengths(self, i, body):
        data = (self.head + f"Content-Length: {len(body)}\r\nContent-Length: {len(body) + 3}\r\n\r\n").encode() + body + b"   "
        return Case("framing", "content-length:two-different", data, frozenset({400}))

    def garbage_line(self, i, body):
        line = self.rng.choice([
            b"GARBAGE", b"GET", b"GET /", b"GET / HTTP/1.1 extra", b"G ET / HTTP/1.1", b"get /health HTTP/1.1", b"GE<T / HTTP/1.1",
            b"POST /v1/chat/completions HTTX/1.1", b"POST /v1/chat/completions HTTP/1.x", b"POST /v1/chat/completions HTTP/", b"\x00\x01\x02\x03",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"PRI * HTTP/2.0", b"GET /a b HTTP/1.1", b"GET\t/\tHTTP/1.1", b"/health HTTP/1.1",
            b"GET /\x01 HTTP/1.1", b"POST /v1/chat/completions HTTP/1.1\x00", bytes(self.rng.randrange(1, 256) for _ in range(self.rng.randrange(4, 60))),
        ])
        line = line.replace(b"\r", b"").replace(b"\n", b"")
        return Case("framing", "garbage-request-line", line + f"\r\nHost: {HOST}\r\n\r\n".encode(), "4xx")

    def odd_version(self, i, body):
        version = self.rng.choice(["HTTP/2.0", "HTTP/9.9", "HTTP/1.2", "HTTP/0.9", "HTTP/3"])
        data = f"GET /health {version}\r\nHost: {HOST}\r\n\r\n".encode()
        return Case("framing", "odd-http-version", data, "any")

    def bad_header_bytes(self, i, body):
        header, strict = self.rng.choice([
            (b"Bad Header: x", True), (b"Bad(Name): x", True), (b"X-Nul\x00: x", True), (b"NoColonHere", True), (b": empty-name", True),
            (b"X-Value: a\x00b", False), (b"X-Value: a\x01b", False), (b"X-Value: a\x7fb", False), (b"X-Value: a\rb", False),
            (b"X-Value: \xff\xfe", False), (b" X-Folded: x", False), (b"X-Value: a\x0bb", False), (b"X-\xe9: x", True),
        ])
        data = (self.head + f"Content-Length: {len(body)}\r\n").encode() + header + b"\r\n\r\n" + body
        return Case("framing", "invalid-header-bytes" + ("" if strict else ":ambiguous"), data, "4xx" if strict else "any")

    def bare_lf(self, i, body):
        data = (self.head + f"Content-Length: {len(body)}\r\n\r\n").replace("\r\n", "\n").encode() + body
        return Case("framing", "bare-lf-line-ends", data, "any")

    def oversized_headers(self, i, body):
        variant = self.rng.choice(["one-large", "many", "long-target"])
        if variant == "one-large":
            extra = "X-Big: " + "a" * self.rng.randint(90_000, 130_000) + "\r\n"
            data = (self.head + extra + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        elif variant == "many":
            extra = "".join(f"X-H{n}: {'v' * 40}\r\n" for n in range(self.rng.randint(2500, 4000)))
            data = (self.head + extra + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        else:
            data = f"GET /v1/models?q={'q' * self.rng.randint(90_000, 130_000)} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {FUZZ_KEY}\r\n\r\n".encode()
        return Case("framing", f"oversized-headers:{variant}", data, "4xx")

    def no_host(self, i, body):
        data = f"POST /v1/chat/completions HTTP/1.1\r\nAuthorization: Bearer {FUZZ_KEY}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        return Case("framing", "no-host+bad-body", data, "4xx")

    def connect(self, i, body):
        # HTTP/1.1 gives an answer to CONNECT no body (NIO's encoder drops it, as RFC 9112 frames it): the
        # refusal is its status, 405, and the connection is closed after it.
        return Case("framing", "connect", f"CONNECT {HOST}:9 HTTP/1.1\r\nHost: {HOST}:9\r\n\r\n".encode(), frozenset({405}), head=True)

    def upgrade(self, i, body):
        data = (self.head + f"Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        return Case("framing", "upgrade-h2c+bad-body", data, "4xx")


def framing_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 5: HTTP framing errors, sent as raw bytes."""
    f = Framing(rng)
    templates: list[Callable[[int, bytes], Case]] = []
    weighted = [(f.bad_hex, 4), (f.missing_crlf, 3), (f.size_beyond_data, 3), (f.no_last_chunk, 2), (f.te_identity, 3), (f.te_bogus, 3),
                (f.te_odd_but_chunked_last, 2), (f.te_and_length, 1), (f.length_beyond_body, 3), (f.bad_length, 3), (f.two_lengths, 1),
                (f.garbage_line, 4), (f.odd_version, 1), (f.bad_header_bytes, 4), (f.bare_lf, 1), (f.oversized_headers, 2), (f.no_host, 1),
                (f.connect, 1), (f.upgrade, 1)]
    for template, weight in weighted:
        templates += [template] * weight
    # Where the framing itself must be refused (RFC 9112: a bad chunk, a Transfer-Encoding whose last coding is not
    # chunked, an invalid Content-Length), half the cases carry a valid chat request, so a parser that lets the
    # framing through shows as a 200; the other cases, and all the rest, carry a body the handler refuses (400).
    valid_ok = {f.bad_hex, f.missing_crlf, f.size_beyond_data, f.no_last_chunk, f.te_identity, f.te_bogus, f.length_beyond_body, f.bad_length,
                f.two_lengths, f.te_and_length, f.bare_lf, f.bad_header_bytes}
    cases = []
    for n in range(count):
        i = start + n
        template = templates[n % len(templates)]
        if template in valid_ok and rng.random() < 0.5:
            body = dumps(chat_body(i))
        else:
            body = dumps({"messages": rng.choice([5, "x", [], [{"role": "nobody"}]]), "user": f"fuzz-{i}"})
        cases.append(template(i, body))
    return cases


def oversize_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 6: bodies over the limit: 413 with the OpenAI body, promptly, also with `Connection: close`."""
    cases = []
    variants = ["length", "length+close", "chunked", "chunked+close", "expect-100", "declared-huge"]
    for n in range(count):
        i = start + n
        variant = variants[n % len(variants)]
        size = rng.randint(LIMIT + 1, LIMIT * 5 // 2)

        def make(size=size, variant=variant, i=i, seed=rng.randrange(1 << 30)):
            local = random.Random(seed)
            prefix = json.dumps({"model": "copilot", "user": f"fuzz-{i}", "messages": [{"role": "user", "content": ""}]})[:-4]
            body = prefix.encode() + b"x" * (size - len(prefix) - 4) + b'"}]}'
            headers = [("Connection", "close")] if variant.endswith("+close") else []
            if variant.startswith("chunked"):
                pieces, at = [], 0
                while at < len(body):
                    step = local.randint(1 << 14, 1 << 18)
                    pieces.append(f"{len(body[at:at + step]):x}\r\n".encode() + body[at:at + step] + b"\r\n")
                    at += step
                return post_chat(None, headers + [("Transfer-Encoding", "chunked")]) + b"".join(pieces) + b"0\r\n\r\n"
            if variant == "expect-100":
                return post_chat(body, [("Expect", "100-continue")])
            if variant == "declared-huge":
                # Five GiB declared; the limit plus 64 KiB sent; then the client waits for its answer.
                return post_chat(None, [("Content-Length", str(5 << 30))]) + body[: LIMIT + (64 << 10)]
            return post_chat(body, headers)

        cases.append(Case("oversize", variant, make, frozenset({413}), code="request_too_large", expect_continue=variant == "expect-100"))
    return cases


def auth_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 7: missing, wrong and odd credentials against a gateway with an API key: 401 invalid_api_key."""
    key = FUZZ_KEY
    b64 = base64.b64encode
    variants: list[tuple[str, list, str, str | frozenset]] = [
        ("none", [], "", frozenset({401})),
        ("bearer-wrong", [("Authorization", "Bearer wrong-key-000000000000000")], "", frozenset({401})),
        ("bearer-empty", [("Authorization", "Bearer ")], "", frozenset({401})),
        ("bearer-no-token", [("Authorization", "Bearer")], "", frozenset({401})),
        ("bearer-no-space", [("Authorization", "Bearer" + key)], "", frozenset({401})),
        ("bearer-tab", [("Authorization", "Bearer\t" + key)], "", frozenset({401})),
        ("basic-key", [("Authorization", "Basic " + b64(key.encode()).decode())], "", frozenset({401})),
        ("basic-user-key", [("Authorization", "Basic " + b64(("user:" + key).encode()).decode())], "", frozenset({401})),
        ("token-scheme", [("Authorization", "Token " + key)], "", frozenset({401})),
        ("no-scheme", [("Authorization", key)], "", frozenset({401})),
        ("key+suffix", [("Authorization", "Bearer " + key + "x")], "", frozenset({401})),
        ("key-prefix", [("Authorization", "Bearer " + key[:-1])], "", frozenset({401})),
        ("key-upper", [("Authorization", "Bearer " + key.upper())], "", frozenset({401})),
        ("key-reversed", [("Authorization", "Bearer " + key[::-1])], "", frozenset({401})),
        ("key-twice", [("Authorization", f"Bearer {key} {key}")], "", frozenset({401})),
        ("bearer-8k", [("Authorization", "Bearer " + "k" * 8000)], "", frozenset({401})),
        ("bearer-latin1", [("Authorization", b"Bearer \xe9\xe9\xe9")], "", frozenset({401})),
        ("bearer-utf8", [("Authorization", "Bearer \u00e9\u00e9".encode())], "", frozenset({401})),
        ("bearer-null", [("Authorization", "Bearer null")], "", frozenset({401})),
        ("bearer-undefined", [("Authorization", "Bearer undefined")], "", frozenset({401})),
        ("x-api-key-wrong", [("x-api-key", "wrong-key-000000000000000")], "", frozenset({401})),
        ("x-api-key-empty", [("x-api-key", "")], "", frozenset({401})),
        ("x-api-key-bearer", [("x-api-key", "Bearer " + key)], "", frozenset({401})),
        ("x-api-key+suffix", [("x-api-key", key + "x")], "", frozenset({401})),
        ("api-key-header", [("api-key", key)], "", frozenset({401})),
        ("proxy-authorization", [("Proxy-Authorization", "Bearer " + key)], "", frozenset({401})),
        ("cookie", [("Cookie", f"api_key={key}")], "", frozenset({401})),
        ("query:api_key", [], f"?api_key={key}", frozenset({401})),
        ("query:key", [], f"?key={key}", frozenset({401})),
        ("query:access_token", [], f"?access_token={key}", frozenset({401})),
        ("query:api-key", [], f"?api-key={key}", frozenset({401})),
        ("query:authorization", [], f"?Authorization=Bearer%20{key}", frozenset({401})),
        ("wrong-bearer+wrong-x-api-key", [("Authorization", "Bearer nope-nope-nope-nope"), ("x-api-key", "nope-nope-nope-nope")], "", frozenset({401})),
        ("wrong-bearer+good-x-api-key", [("Authorization", "Bearer nope-nope-nope-nope"), ("x-api-key", key)], "", "any"),
        ("two-authorizations", [("Authorization", "Bearer nope-nope-nope-nope"), ("Authorization", "Bearer " + key)], "", "any"),
    ]
    cases = []
    for n in range(count):
        i = start + n
        sub, headers, query, expect = variants[n % len(variants)]
        target = rng.choice(["/v1/chat/completions", "/chat/completions", "/v1/models", "/models", "/v1/images/generations"])
        if target.endswith("models"):
            data = request_bytes("GET", target + query, None, headers, key=None)
        elif target.endswith("generations"):
            data = request_bytes("POST", target + query, dumps({"prompt": "a cat"}), headers, key=None)
        else:
            data = request_bytes("POST", target + query, dumps(chat_body(i)), headers, key=None)
        code = "invalid_api_key" if expect == frozenset({401}) else None
        cases.append(Case("auth", sub, data, expect, code=code))
    return cases


def route_cases(rng: random.Random, start: int, count: int) -> list[Case]:
    """Kind 8: unknown paths and methods, odd query strings, percent-encoding junk in the path."""
    bad_body = b'{"messages": 5}'
    words = ["v1", "v2", "chat", "completions", "models", "admin", "..", ".", "%2e%2e", "etc", "passwd", "api", "x", "", "health"]
    junk_paths = ["/%", "/%zz", "/%0", "/%00", "/%ff%fe", "/%c0%af", "/v1/%ZZ", "/v1/chat%2Fcompletions", "/v1/chat/completions%00",
                  "/v1/chat/completions%20", "/%2e%2e/%2e%2e/etc/passwd", "/v1/models/../../etc/passwd", "/..%2f..%2fetc%2fpasswd",
                  "/v1/%E2%80%AE", "/v1/%u0041", "/v1/chat/completions/%", "/%%%%", "/v1/models%3Fapi_key=x", "/\\..\\..\\windows",
                  "/v1/chat/completions;jsessionid=x"]
    odd_queries = ["?", "?%", "?a=%zz", "?&&&", "?=", "?a[]=1&a[]=2", "?a=1&a=2", "?" + "q=" + "%41" * 2000, "?\u00e9".encode().decode("latin-1"),
                   "?a=%00", "?stream=true", "?model=copilot&n=5", "#frag", "?x#y", "?%2e%2e", "?a=%ff%fe", "?" + "&" * 3000]
    methods = ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "LINK", "PURGE", "MKCOL", "SEARCH", "REPORT", "FOO", "get", "M-SEARCH"]
    known = ["/v1/chat/completions", "/chat/completions", "/v1/models", "/models", "/health", "/healthz", "/readyz", "/metrics",
             "/v1/images/generations", "/login"]
    cases = []
    for n in range(count):
        variant = n % 6
        if variant == 0:
            path = "/" + "/".join(rng.choice(words) for _ in range(rng.randint(1, 5)))
            if path.rstrip("/") in {p for p in known} or path.strip("/") in {"", "v1/models", "models", "health"}:
                path = "/nope" + path
            method = rng.choice(["GET", "POST"])
            data = request_bytes(method, path, bad_body if method == "POST" else None)
            cases.append(Case("route", f"unknown-path:{method}", data, frozenset({404})))
        elif variant == 1:
            path = rng.choice(known)
            method = rng.choice(methods)
            data = request_bytes(method, path, bad_body if rng.random() < 0.5 else None)
            cases.append(Case("route", f"method:{'unknown' if method in ('FOO', 'get', 'M-SEARCH') else 'unsupported'}", data, "4xx"))
        elif variant == 2:
            path = rng.choice(["/v1/chat/completions", "/chat/completions", "/v1/images/generations", "/v1/models", "/health", "/readyz", "/login", "/metrics"])
            if path in ("/v1/chat/completions", "/chat/completions", "/v1/images/generations"):
                method = rng.choice(["GET", "GET", "HEAD", "OPTIONS"])
            else:
                method = rng.choice(["HEAD", "OPTIONS"] + ([] if path == "/login" else ["POST"]))  # POST /login starts a sign-in
            data = request_bytes(method, path, None)
            if method == "HEAD":
                cases.append(Case("route", "method:HEAD", data, "any", head=True))
            elif method == "OPTIONS":
                cases.append(Case("route", "method:OPTIONS", data, "any"))
            else:
                cases.append(Case("route", f"wrong-method:{method}-on-{'POST' if method == 'GET' else 'GET'}-route", data, "4xx"))
        elif variant == 3:
            path = rng.choice(["/v1/models", "/models", "/health", "/healthz", "/readyz"])
            data = request_bytes("GET", path + rng.choice(odd_queries), None)
            cases.append(Case("route", "odd-query:GET", data, "any"))
        elif variant == 4:
            data = request_bytes("POST", "/v1/chat/completions" + rng.choice(odd_queries), bad_body)
            cases.append(Case("route", "odd-query:POST-bad-body", data, "4xx"))
        else:
            path = rng.choice(junk_paths + ["/" + "a" * rng.randint(2000, 16000), "/v1/" + "%41" * rng.randint(100, 3000), "*",
                                            f"http://{HOST}/v1/nope", "/v1/\u00e9".encode().decode("latin-1")])
            method = rng.choice(["GET", "POST"])
            data = request_bytes(method, path, bad_body if method == "POST" else None)
            cases.append(Case("route", "junk-path", data, "4xx"))
    # Requests for the OpenAI API with the right key but the wrong body stay 400 whatever the route spelling.
    for path in ["/v1/chat/completions/", "//v1/chat/completions", "/v1//chat/completions", "/V1/CHAT/COMPLETIONS", "/v1/chat/completions?"]:
        cases.append(Case("route", "path-spelling:POST-bad-body", request_bytes("POST", path, bad_body), "4xx"))
    return cases
