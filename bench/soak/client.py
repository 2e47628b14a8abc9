"""A minimal HTTP/1.1 client on asyncio streams: the soak reads every byte the gateway writes, so it can
check the framing itself and hang up mid-stream when it means to."""

from __future__ import annotations

import asyncio
import json
from typing import Any

HOST = "127.0.0.1"


class ProtocolError(Exception):
    """The server broke HTTP/1.1 framing or closed the connection early."""


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reusable = False

    @classmethod
    async def open(cls, port: int) -> "Connection":
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 22)
        return cls(reader, writer)

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass

    async def send(self, method: str, path: str, port: int, headers: dict[str, str], body: bytes | None,
                   keep_alive: bool) -> None:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}",
                 "Connection: " + ("keep-alive" if keep_alive else "close")]
        for k, v in headers.items():
            lines.append(f"{k}: {v}")
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
        self.writer.write(data)
        await self.writer.drain()

    async def read_head(self) -> tuple[int, dict[str, str]]:
        line = await self.reader.readline()
        if not line:
            raise ProtocolError("connection closed before the status line")
        parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {line[:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            h = await self.reader.readline()
            if not h:
                raise ProtocolError("connection closed inside the headers")
            if h in (b"\r\n", b"\n"):
                break
            name, _, value = h.decode("latin-1").partition(":")
            key = name.strip().lower()
            headers[key] = (headers[key] + ", " if key in headers else "") + value.strip()
        return status, headers

    async def body_chunks(self, headers: dict[str, str], keep_alive: bool):
        """Yields the body in pieces; marks the connection reusable when the body ended cleanly."""
        te = headers.get("transfer-encoding", "").lower()
        server_close = "close" in headers.get("connection", "").lower()
        if "chunked" in te:
            while True:
                size_line = await self.reader.readline()
                if not size_line:
                    raise ProtocolError("connection closed inside a chunked body")
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {size_line[:40]!r}") from None
                if size == 0:
                    while True:  # trailers
                        t = await self.reader.readline()
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                try:
                    data = await self.reader.readexactly(size)
                    crlf = await self.reader.readexactly(2)
                except asyncio.IncompleteReadError:
                    raise ProtocolError("connection closed inside a chunk") from None
                if crlf != b"\r\n":
                    raise ProtocolError("chunk not followed by CRLF")
                yield data
        elif "content-length" in headers:
            n = int(headers["content-length"])
            try:
                data = await self.reader.readexactly(n)
            except asyncio.IncompleteReadError:
                raise ProtocolError("connection closed before Content-Length bytes") from None
            yield data
        else:
            server_close = True
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                yield data
        self.reusable = keep_alive and not server_close


async def simple_request(port: int, method: str, path: str, body: Any = None,
                         timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection; the body is JSON-encoded when given."""
    async with asyncio.timeout(timeout):
        conn = await Connection.open(port)
        try:
            raw = None if body is None else json.dumps(body).encode()
            hdrs = {"Content-Type": "application/json"} if raw is not None else {}
            await conn.send(method, path, port, hdrs, raw, keep_alive=False)
            status, headers = await conn.read_head()
            data = b"".join([c async for c in conn.body_chunks(headers, keep_alive=False)])
            return status, headers, data
        finally:
            conn.close()



async def fetch_json(port: int, path: str, timeout: float = 300) -> Any:
    status, _, body = await simple_request(port, "GET", path, timeout=timeout)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
    return json.loads(body)
