"""Sending the fuzz tests' requests: raw bytes on a socket with the answer read as it comes (`exchange`), so
that framing errors, silent closes and stalls show as such."""

import dataclasses
import re
import socket
import time

from fuzzing.case import CASE_TIMEOUT, HOST, Case


@dataclasses.dataclass
class Outcome:
    state: str  # answered, closed (EOF before any answer), reset, stalled, garbled
    status: int | None = None
    headers: dict = dataclasses.field(default_factory=dict)
    body: bytes = b""
    seconds: float = 0.0
    note: str = ""
    raw_head: bytes = b""


class Garbled(Exception):
    pass


def parse_response(buffer: bytes, eof: bool, head_request: bool):
    """(status, headers, body, raw head) when `buffer` holds a whole final response, else None. Skips 1xx."""
    while True:
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if eof and buffer:
                raise Garbled(f"incomplete response head: {buffer[:200]!r}")
            return None
        raw_head = buffer[:end]
        lines = raw_head.split(b"\r\n")
        match = re.fullmatch(rb"HTTP/1\.[01] (\d{3})(?: .*)?", lines[0])
        if not match:
            raise Garbled(f"bad status line: {lines[0][:200]!r}")
        status = int(match.group(1))
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                raise Garbled(f"bad header line: {line[:200]!r}")
            headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
        rest = buffer[end + 4:]
        if 100 <= status < 200 and status != 101:
            buffer = rest
            continue
        if head_request or status in (204, 304):
            return status, headers, b"", raw_head
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body, at = b"", 0
            while True:
                line_end = rest.find(b"\r\n", at)
                if line_end < 0:
                    if eof:
                        raise Garbled("chunked response cut short")
                    return None
                size = int(rest[at:line_end].split(b";")[0], 16)
                if size == 0:
                    return status, headers, body, raw_head
                if len(rest) < line_end + 2 + size + 2:
                    if eof:
                        raise Garbled("chunked response cut short")
                    return None
                body += rest[line_end + 2: line_end + 2 + size]
                at = line_end + 2 + size + 2
        if "content-length" in headers:
            length = int(headers["content-length"])
            if len(rest) >= length:
                return status, headers, rest[:length], raw_head
            if eof:
                raise Garbled(f"body cut short: {len(rest)} of {length} bytes")
            return None
        return (status, headers, rest, raw_head) if eof else None


def exchange(port: int, case: Case) -> Outcome:
    started = time.monotonic()
    deadline = started + CASE_TIMEOUT
    data = case.payload()
    note = ""
    try:
        sock = socket.create_connection((HOST, port), timeout=CASE_TIMEOUT)
    except OSError as error:
        return Outcome("closed", seconds=time.monotonic() - started, note=f"connect failed: {error!r}")
    buffer = b""
    eof = False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if case.expect_continue:
                split = data.find(b"\r\n\r\n") + 4
                sock.sendall(data[:split])
                sock.settimeout(1.0)
                try:
                    buffer = sock.recv(65536)
                    eof = not buffer
                except socket.timeout:
                    pass
                interim = re.match(rb"HTTP/1\.[01] 100", buffer)
                if interim or not buffer:
                    buffer = buffer[buffer.find(b"\r\n\r\n") + 4:] if interim else buffer
                    sock.settimeout(max(0.01, deadline - time.monotonic()))
                    sock.sendall(data[split:])
                else:
                    note = "answered before the body was sent"
            else:
                sock.settimeout(CASE_TIMEOUT)
                sock.sendall(data)
        except socket.timeout:
            return Outcome("stalled", seconds=time.monotonic() - started, note="the send blocked (the gateway stopped reading)")
        except (BrokenPipeError, ConnectionResetError) as error:
            note = f"send failed: {type(error).__name__}"
        if case.half_close:
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        while True:
            try:
                parsed = parse_response(buffer, eof, case.head)
            except Garbled as error:
                return Outcome("garbled", seconds=time.monotonic() - started, note=f"{note} {error}".strip(), body=buffer[:2000])
            if parsed:
                status, headers, body, raw_head = parsed
                return Outcome("answered", status, headers, body, time.monotonic() - started, note, raw_head)
            if eof:
                return Outcome("closed", seconds=time.monotonic() - started, note=note)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if b"\r\n\r\n" in buffer:
                    what = f"the head of a {buffer[9:12].decode('latin-1')} answer came, but its body never ended (no Content-Length) and the connection stayed open"
                else:
                    what = f"no answer and no close (got {len(buffer)} bytes)"
                return Outcome("stalled", seconds=time.monotonic() - started, note=f"{note} {what}".strip(), body=buffer[:2000])
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                if buffer:
                    return Outcome("garbled", seconds=time.monotonic() - started, note=f"{note} reset mid-answer".strip(), body=buffer[:2000])
                return Outcome("reset", seconds=time.monotonic() - started, note=note)
            if not chunk:
                eof = True
            buffer += chunk
    finally:
        sock.close()
