"""The bad requests of `test_fuzz.py` around the body (kinds framing and oversize), aimed at a dialect's
route: HTTP framing errors as raw bytes, and bodies over the limit. Errors the HTTP parser finds come
before any routing, and must still have the shape of the route the request was for."""

import random
from typing import Callable

from fuzzing.case import FUZZ_KEY, HOST, LIMIT, Case
from fuzzing.dialects import Dialect, shape_of
from fuzzing.mutate import dumps, replaced


def chunked(body: bytes, rng: random.Random) -> bytes:
    out, at = b"", 0
    while at < len(body):
        size = rng.randint(1, max(1, len(body) // 3))
        out += f"{size:x}\r\n".encode() + body[at:at + size] + b"\r\n"
        at += size
    return out + b"0\r\n\r\n"


class Framing:
    """Kind framing's templates: each makes case number i, a framing error around `body` on the dialect's route."""

    def __init__(self, rng: random.Random, dialect: Dialect):
        self.rng = rng
        self.dialect = dialect

    def head(self, i: int, host: bool = True) -> str:
        """The request head so far, as the dialect's client writes it (its credential and `anthropic-version`)."""
        lines = [f"POST {self.dialect.path} HTTP/1.1"] + ([f"Host: {HOST}"] if host else [])
        if not self.dialect.anthropic_client:
            lines.append(f"Authorization: Bearer {FUZZ_KEY}")
        lines += [f"{name}: {value}" for name, value in self.dialect.headers(i)]
        return "\r\n".join(lines + ["Content-Type: application/json"]) + "\r\n"

    def case(self, sub: str, data: bytes, expect, **options) -> Case:
        return Case("framing", sub, data, expect, shape=self.dialect.shape, **options)

    def te_head(self, i: int, te: str = "chunked") -> bytes:
        return (self.head(i) + f"Transfer-Encoding: {te}\r\n\r\n").encode()

    def bad_hex(self, i, body):
        size = self.rng.choice(["zz", "-1", "0x10", "f" * 25, "g1", "1g", "+5", "5\x00", "", "1_0"])
        return self.case("chunked:bad-hex-size", self.te_head(i) + size.encode() + b"\r\n" + body[:16] + b"\r\n0\r\n\r\n", frozenset({400}))

    def missing_crlf(self, i, body):
        cut = self.rng.randrange(1, len(body))
        tail = self.rng.choice([b"0\r\n\r\n", b"XY0\r\n\r\n", b"\r0\r\n\r\n", b"\x000\r\n\r\n"])
        return self.case("chunked:missing-crlf", self.te_head(i) + f"{cut:x}\r\n".encode() + body[:cut] + tail, frozenset({400}))

    def size_beyond_data(self, i, body):
        cut = self.rng.randrange(1, len(body))
        return self.case("chunked:size>data+half-close", self.te_head(i) + f"{len(body) + 100:x}\r\n".encode() + body[:cut],
                         frozenset({400}), half_close=True, silent_ok=True)

    def no_last_chunk(self, i, body):
        return self.case("chunked:no-last-chunk+half-close", self.te_head(i) + f"{len(body):x}\r\n".encode() + body + b"\r\n",
                         frozenset({400}), half_close=True, silent_ok=True)

    def te_identity(self, i, body):
        if self.rng.random() < 0.5:
            data = (self.head(i) + f"Transfer-Encoding: identity\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            return self.case("te:identity+content-length", data, frozenset({400}))
        return self.case("te:identity", self.te_head(i, "identity") + body, frozenset({400}))

    def te_bogus(self, i, body):
        te = self.rng.choice(["bogus", "chunked, bogus", "x-chunked", "chunked, identity", "gzip", "identity"])
        return self.case("te:bogus", self.te_head(i, te) + chunked(body, self.rng), frozenset({400}))

    def te_odd_but_chunked_last(self, i, body):
        te = self.rng.choice(["bogus, chunked", "gzip, chunked", "identity, chunked", "chunked, chunked", "chunked;q=1"])
        return self.case("te:other-then-chunked", self.te_head(i, te) + chunked(body, self.rng), "4xx")

    def te_and_length(self, i, body):
        data = (self.head(i) + f"Content-Length: {len(body)}\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + chunked(body, self.rng)
        return self.case("te+content-length", data, "any")

    def length_beyond_body(self, i, body):
        cut = self.rng.randrange(0, len(body))
        data = (self.head(i) + f"Content-Length: {len(body) + self.rng.randint(1, 5000)}\r\n\r\n").encode() + body[:cut]
        return self.case("content-length>body+half-close", data, frozenset({400}), half_close=True, silent_ok=True)

    def bad_length(self, i, body):
        value = self.rng.choice(["abc", "-1", "1.5", "0x10", f"{len(body)}, {len(body) + 1}", "", " ", "1e3", "99999999999999999999999", "+5"])
        data = (self.head(i) + f"Content-Length: {value}\r\n\r\n").encode() + body
        return self.case("content-length:invalid", data, frozenset({400}))

    def two_lengths(self, i, body):
        data = (self.head(i) + f"Content-Length: {len(body)}\r\nContent-Length: {len(body) + 3}\r\n\r\n").encode() + body + b"   "
        return self.case("content-length:two-different", data, frozenset({400}))

    def garbage_line(self, i, body):
        line = self.rng.choice([
            b"GARBAGE", b"GET", b"GET /", b"GET / HTTP/1.1 extra", b"G ET / HTTP/1.1", b"get /health HTTP/1.1", b"GE<T / HTTP/1.1",
            b"POST /v1/chat/completions HTTX/1.1", b"POST /v1/chat/completions HTTP/1.x", b"POST /v1/chat/completions HTTP/", b"\x00\x01\x02\x03",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"PRI * HTTP/2.0", b"GET /a b HTTP/1.1", b"GET\t/\tHTTP/1.1", b"/health HTTP/1.1",
            b"GET /\x01 HTTP/1.1", b"POST /v1/chat/completions HTTP/1.1\x00", bytes(self.rng.randrange(1, 256) for _ in range(self.rng.randrange(4, 60))),
        ])
        line = line.replace(b"\r", b"").replace(b"\n", b"")
        return Case("framing", "garbage-request-line", line + f"\r\nHost: {HOST}\r\n\r\n".encode(), "4xx", shape=shape_of("*", self.dialect.versioned(i)))

    def odd_version(self, i, body):
        version = self.rng.choice(["HTTP/2.0", "HTTP/9.9", "HTTP/1.2", "HTTP/0.9", "HTTP/3"])
        data = f"GET /health {version}\r\nHost: {HOST}\r\n\r\n".encode()
        return Case("framing", "odd-http-version", data, "any", shape=shape_of("/health", self.dialect.versioned(i)))

    def bad_header_bytes(self, i, body):
        header, strict = self.rng.choice([
            (b"Bad Header: x", True), (b"Bad(Name): x", True), (b"X-Nul\x00: x", True), (b"NoColonHere", True), (b": empty-name", True),
            (b"X-Value: a\x00b", False), (b"X-Value: a\x01b", False), (b"X-Value: a\x7fb", False), (b"X-Value: a\rb", False),
            (b"X-Value: \xff\xfe", False), (b" X-Folded: x", False), (b"X-Value: a\x0bb", False), (b"X-\xe9: x", True),
        ])
        data = (self.head(i) + f"Content-Length: {len(body)}\r\n").encode() + header + b"\r\n\r\n" + body
        return self.case("invalid-header-bytes" + ("" if strict else ":ambiguous"), data, "4xx" if strict else "any")

    def obs_fold(self, i, body):
        fold = self.rng.choice([b"X-Folded: a\r\n b", b"X-Folded: a\r\n\tb", b"Content-Type: application/json\r\n ; charset=utf-8"])
        data = (self.head(i) + f"Content-Length: {len(body)}\r\n").encode() + fold + b"\r\n\r\n" + body
        return self.case("obs-fold", data, "any")

    def bare_lf(self, i, body):
        data = (self.head(i) + f"Content-Length: {len(body)}\r\n\r\n").replace("\r\n", "\n").encode() + body
        return self.case("bare-lf-line-ends", data, "any")

    def oversized_headers(self, i, body):
        variant = self.rng.choice(["one-large", "many", "long-target"])
        if variant == "one-large":
            extra = "X-Big: " + "a" * self.rng.randint(90_000, 130_000) + "\r\n"
            data = (self.head(i) + extra + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        elif variant == "many":
            extra = "".join(f"X-H{n}: {'v' * 40}\r\n" for n in range(self.rng.randint(2500, 4000)))
            data = (self.head(i) + extra + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        else:
            long_target = f"{self.dialect.path}?q={'q' * self.rng.randint(90_000, 130_000)}"
            data = (self.head(i).replace(self.dialect.path, long_target, 1) + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        return self.case(f"oversized-headers:{variant}", data, "4xx")

    def no_host(self, i, body):
        return self.case("no-host+bad-body", (self.head(i, host=False) + f"Content-Length: {len(body)}\r\n\r\n").encode() + body, "4xx")

    def connect(self, i, body):
        # HTTP/1.1 gives an answer to CONNECT no body (NIO's encoder drops it, as RFC 9112 frames it): the
        # refusal is its status, 405, and the connection is closed after it.
        return Case("framing", "connect", f"CONNECT {HOST}:9 HTTP/1.1\r\nHost: {HOST}:9\r\n\r\n".encode(), frozenset({405}), head=True)

    def upgrade(self, i, body):
        data = (self.head(i) + f"Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        return self.case("upgrade-h2c+bad-body", data, "4xx")


def framing_cases(rng: random.Random, start: int, count: int, dialect: Dialect) -> list[Case]:
    """Kind framing: HTTP framing errors on the dialect's route, sent as raw bytes; for a dialect with
    `shared_routes`, also requests no route can be read from (a garbage request line, CONNECT)."""
    f = Framing(rng, dialect)
    weighted = [(f.bad_hex, 4), (f.missing_crlf, 3), (f.size_beyond_data, 3), (f.no_last_chunk, 2), (f.te_identity, 3), (f.te_bogus, 3),
                (f.te_odd_but_chunked_last, 2), (f.te_and_length, 2), (f.length_beyond_body, 3), (f.bad_length, 3), (f.two_lengths, 1),
                (f.bad_header_bytes, 4), (f.obs_fold, 1), (f.bare_lf, 1), (f.oversized_headers, 2), (f.no_host, 1), (f.upgrade, 1)]
    if dialect.shared_routes:
        weighted += [(f.garbage_line, 4), (f.odd_version, 1), (f.connect, 1)]
    templates: list[Callable[[int, bytes], Case]] = [template for template, weight in weighted for _ in range(weight)]
    # Where the framing itself must be refused (RFC 9112: a bad chunk, a Transfer-Encoding whose last coding is not
    # chunked, an invalid Content-Length), half the cases carry a valid request, so a parser that lets the
    # framing through shows as a 200; the other cases, and all the rest, carry a body the handler refuses (400).
    valid_ok = {f.bad_hex, f.missing_crlf, f.size_beyond_data, f.no_last_chunk, f.te_identity, f.te_bogus, f.length_beyond_body, f.bad_length,
                f.two_lengths, f.te_and_length, f.bare_lf, f.bad_header_bytes, f.obs_fold}
    cases = []
    for n in range(count):
        i = start + n
        template = templates[n % len(templates)]
        if template in valid_ok and rng.random() < 0.5:
            body = dumps(dialect.valid(i))
        else:
            body = dumps(dialect.refused(i, rng.choice(dialect.refusing)))
        cases.append(template(i, body))
    return cases


def padded_body(dialect: Dialect, i: int, size: int) -> bytes:
    """A valid body of `size` bytes: its first text slot padded."""
    text = dumps(replaced(dialect.valid(i), dialect.text_slots[0][1], "@PAD@"))
    return text.replace(b"@PAD@", b"x" * max(0, size - len(text) + 5))


def oversize_cases(rng: random.Random, start: int, count: int, dialect: Dialect) -> list[Case]:
    """Kind oversize: bodies over the limit: 413 in the dialect's shape (or 429 when the key's share of the memory for
    bodies is taken), promptly, also with `Connection: close`."""
    cases = []
    variants = ["length", "length+close", "chunked", "chunked+close", "expect-100", "declared-huge"]
    for n in range(count):
        i = start + n
        variant = variants[n % len(variants)]
        size = rng.randint(LIMIT + 1, LIMIT * 5 // 2)

        def make(size=size, variant=variant, i=i, seed=rng.randrange(1 << 30)):
            local = random.Random(seed)
            body = padded_body(dialect, i, size)
            headers = [("Connection", "close")] if variant.endswith("+close") else []
            if variant.startswith("chunked"):
                pieces, at = [], 0
                while at < len(body):
                    step = local.randint(1 << 14, 1 << 18)
                    pieces.append(f"{len(body[at:at + step]):x}\r\n".encode() + body[at:at + step] + b"\r\n")
                    at += step
                return dialect.post(None, i, headers + [("Transfer-Encoding", "chunked")]) + b"".join(pieces) + b"0\r\n\r\n"
            if variant == "expect-100":
                return dialect.post(body, i, [("Expect", "100-continue")])
            if variant == "declared-huge":
                # Five GiB declared; the limit plus 64 KiB sent; then the client waits for its answer.
                return dialect.post(None, i, [("Content-Length", str(5 << 30))]) + body[: LIMIT + (64 << 10)]
            return dialect.post(body, i, headers)

        # The gateway reads one API key's bodies within a share of its memory for bodies (two bodies at the limit): with
        # the fuzzer's workers sending several oversized bodies at once under its one key, the one that finds the share
        # taken gets 429 body_share_exceeded instead, as documented.
        codes = {413: dialect.code("request_too_large"), 429: dialect.code("body_share_exceeded")}
        cases.append(Case("oversize", variant, make, frozenset(codes), shape=dialect.shape, code=codes,
                          expect_continue=variant == "expect-100"))
    return cases
