"""HTTP/1.1 as the wire tap reads it: the requests a client sends (`RequestReader`), the answers the gateway
sends back, each paired with its request (`AnswerReader`), and server-sent events (`EventDecoder`).

They read copies of the bytes, as they come. At anything they do not understand they stop (`stopped`) rather
than pair an answer with the wrong request: a request whose framing is odd is kept, as the last one, so that
its answer is still checked, but nothing after it is read.
"""

import codecs
import collections
import dataclasses
import re

from contracts.answers import ABANDONED, COMPLETE, CUT

TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
REQUEST_LINE = re.compile(rb"(" + TOKEN + rb") ([\x21-\x7e]+) HTTP/1\.([01])")
STATUS_LINE = re.compile(rb"HTTP/1\.[01] ([1-9]\d\d)(?: [^\r\n]*)?")
HEADER_LINE = re.compile(rb"(" + TOKEN + rb"):[ \t]*([^\r\n]*?)[ \t]*")
MAX_HEAD = 1 << 20
MAX_LINE = 8192


class Stop(Exception):
    """The reader does not understand the bytes: it stops reading them."""


@dataclasses.dataclass
class RequestHead:
    method: str
    target: str
    headers: dict
    last: bool = False  # nothing after this request is understood


class Body:
    """A message body as it comes: `take` consumes it from a buffer, framed by length, by chunks, or (length
    None, not chunked) by the connection's close."""

    def __init__(self, length: int | None = None, chunked: bool = False):
        self.remaining, self.chunked = length, chunked
        self.state = "size" if chunked else "data"
        self.done = length == 0 and not chunked

    @property
    def until_close(self) -> bool:
        return self.remaining is None and not self.chunked

    def take(self, buffer: bytearray, keep: bool = True) -> bytes:
        """The body's bytes at the start of `buffer` (removed from it; returned if `keep`); sets `done` at its end."""
        payload = bytearray()
        while buffer and not self.done:
            if self.state == "data":
                count = len(buffer) if self.remaining is None else min(self.remaining, len(buffer))
                if keep:
                    payload += buffer[:count]
                del buffer[:count]
                if self.remaining is not None:
                    self.remaining -= count
                    if self.remaining == 0:
                        self.state, self.done = ("crlf", False) if self.chunked else ("data", True)
            elif self.state == "crlf":
                if len(buffer) < 2:
                    break
                if buffer[:2] != b"\r\n":
                    raise Stop("no CRLF after a chunk")
                del buffer[:2]
                self.state = "size"
            else:  # "size" or "trailers": one line
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > MAX_LINE:
                        raise Stop("a chunk line too long")
                    break
                line = bytes(buffer[:end])
                del buffer[:end + 2]
                if self.state == "trailers":
                    self.done = line == b""
                    continue
                size = line.split(b";")[0].strip()
                if not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size):
                    raise Stop(f"a bad chunk size {line[:40]!r}")
                self.remaining = int(size, 16)
                self.state = "data" if self.remaining else "trailers"
        return bytes(payload)


def read_head(buffer: bytearray):
    """The lines of the message head at the start of `buffer` (removed from it), or None if it is not all there."""
    while buffer.startswith(b"\r\n"):
        del buffer[:2]
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_HEAD:
            raise Stop("a head too large")
        return None
    raw = bytes(buffer[:end])
    del buffer[:end + 4]
    return raw.split(b"\r\n")


def header_fields(lines: list[bytes]) -> tuple[dict, bool]:
    """The header fields (names lowercase, repeated ones joined by ", ") and whether they are all well-formed."""
    headers, good = {}, True
    for line in lines:
        match = HEADER_LINE.fullmatch(line)
        if not match or b"\n" in line:
            good = False
            continue
        name, value = match.group(1).decode("latin-1").lower(), match.group(2).decode("latin-1")
        if name in headers:
            good = good and name not in ("content-length", "transfer-encoding")
            value = f"{headers[name]}, {value}"
        headers[name] = value
    return headers, good


class RequestReader:
    def __init__(self):
        self.buffer = bytearray()
        self.body: Body | None = None
        self.stopped = False

    def feed(self, data: bytes) -> list[RequestHead]:
        """The heads of the requests `data` completes."""
        if self.stopped:
            return []
        self.buffer += data
        heads = []
        try:
            while self.buffer and not self.stopped:
                if self.body:
                    self.body.take(self.buffer, keep=False)
                    if not self.body.done:
                        break
                    self.body = None
                    continue
                lines = read_head(self.buffer)
                if lines is None:
                    break
                head = self._request(lines)
                heads.append(head)
                self.stopped = head.last
        except Stop:
            self.stopped = True
        if self.stopped:
            self.buffer.clear()
        return heads

    def _request(self, lines: list[bytes]) -> RequestHead:
        match = REQUEST_LINE.fullmatch(lines[0])
        if not match:
            raise Stop("not a request line")
        headers, good = header_fields(lines[1:])
        head = RequestHead(match.group(1).decode("latin-1"), match.group(2).decode("latin-1"), headers)
        encoding, length = headers.get("transfer-encoding"), headers.get("content-length")
        if encoding is not None:
            good = good and encoding.strip().lower() == "chunked" and length is None
            self.body = Body(chunked=True)
        elif length is not None:
            good = good and re.fullmatch(r"[0-9]{1,18}", length) is not None
            self.body = Body(int(length)) if good else None
        head.last = not good or head.method == "CONNECT" or "upgrade" in headers
        if head.last:
            self.body = None
        return head


class AnswerReader:
    """The gateway's answers: each is paired with the oldest request not answered yet and handed, head first, to
    `on_answer(request, status, headers)`, which returns a sink (`data(bytes)`, `end(how)`) or None."""

    def __init__(self, on_answer):
        self.on_answer = on_answer
        self.buffer = bytearray()
        self.requests: collections.deque[RequestHead] = collections.deque()
        self.current = None  # (request, body, sink) of the answer whose body is coming
        self.stopped = False

    def feed(self, data: bytes) -> None:
        if self.stopped:
            return
        self.buffer += data
        try:
            while self.buffer and not self.stopped:
                if self.current:
                    request, body, sink = self.current
                    payload = body.take(self.buffer)
                    if payload and sink:
                        sink.data(payload)
                    if not body.done:
                        break
                    self.current = None
                    if sink:
                        sink.end(COMPLETE)
                    self.stopped = request.last
                    continue
                lines = read_head(self.buffer)
                if lines is None:
                    break
                self._answer(lines)
        except Stop:
            self.stop(ABANDONED)

    def _answer(self, lines: list[bytes]) -> None:
        match = STATUS_LINE.fullmatch(lines[0])
        headers, good = header_fields(lines[1:])
        if not match or not good:
            raise Stop("not an answer's head")
        status = int(match.group(1))
        if status == 101:
            raise Stop("switching protocols")
        if status < 200:
            return  # an interim answer (100 Continue): the final one follows
        if not self.requests:
            raise Stop("an answer to no request")
        request = self.requests.popleft()
        encoding, length = headers.get("transfer-encoding"), headers.get("content-length")
        if request.method == "HEAD" or status in (204, 304):
            body = Body(0)
        elif request.method == "CONNECT" and status < 300:
            raise Stop("a tunnel")
        elif encoding is not None:
            body = Body(chunked=True) if encoding.strip().lower().endswith("chunked") else Body()
        elif length is not None:
            if not re.fullmatch(r"[0-9]{1,18}", length):
                raise Stop("a bad Content-Length")
            body = Body(int(length))
        else:
            body = Body()
        sink = self.on_answer(request, status, headers)
        self.current = (request, body, sink)
        if body.done:
            self.current = None
            if sink:
                sink.end(COMPLETE)
            self.stopped = request.last

    def stop(self, how: str) -> None:
        """The connection ended (or the reader gave up): `how` the answer in progress ended, if it had not."""
        if self.current:
            _, body, sink = self.current
            if sink:
                sink.end(COMPLETE if body.until_close and how == CUT else how)
        self.current = None
        self.stopped = True
        self.buffer.clear()


class EventDecoder:
    """Server-sent events from a stream's bytes: `feed` returns the (event name or None, data) of each event the
    bytes complete; lines end in CRLF, LF or CR; comments and `id:`/`retry:` fields are skipped."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.name, self.data = None, []

    def feed(self, chunk: bytes) -> list[tuple]:
        """Raises UnicodeDecodeError on bytes that are not UTF-8."""
        self.text += self.decoder.decode(chunk)
        hold = self.text.endswith("\r")  # its LF may come in the next chunk
        parts = re.split(r"(\r\n|\r|\n)", self.text[:-1] if hold else self.text)
        self.text = parts[-1] + ("\r" if hold else "")
        events = []
        for line in parts[:-1:2]:
            if line == "":
                if self.data:
                    events.append((self.name, "\n".join(self.data)))
                self.name, self.data = None, []
            elif not line.startswith(":"):
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data":
                    self.data.append(value)
                elif field == "event":
                    self.name = value
        return events

    def finish(self) -> list[tuple]:
        """The events the stream's end completes, and whether it ended inside an event (which clients drop)."""
        events = self.feed(b"\n") if self.text.endswith("\r") else []
        return events, bool(self.data or self.name is not None or self.text.strip())
