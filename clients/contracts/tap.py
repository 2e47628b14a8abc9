"""The wire tap: a transparent TCP proxy in front of the gateway that checks a copy of every answer against
the contracts. Run as its own process (`python -m contracts.tap --target HOST:PORT`; `contracts.taps` starts
it), so that it shares no GIL with the tests:

- its event loop forwards the bytes of each connection unchanged, both ways, with the client's and the
  gateway's half-closes and resets passed on, and after forwarding each chunk reads a copy of it
  (`contracts.wire`): the requests' heads, the answers' heads and bodies, the events of streams;
- what it reads goes to a checking process of its own (`contracts.checker`), off the forwarding path;
- it prints `{"port": N}` when it listens; on stdin, `sync` answers (on stdout) with a JSON list of the
  violations found since the last answer, once everything forwarded until then is checked; `stop` (or the
  end of stdin) closes every connection and answers the last ones.
"""

import argparse
import asyncio
import fcntl
import itertools
import json
import os
import multiprocessing
import socket
import struct
import sys
import termios
import threading
import time
import traceback

from contracts import checker
from contracts.answers import ABANDONED, COMPLETE, CUT
from contracts.rules import is_api, media_type
from contracts.wire import AnswerReader, EventDecoder, RequestReader

CHUNK = 65536
MAX_BODY = 64 << 20  # a JSON body larger than this is not kept for checking (reported)


class Checker:
    """The checking process, fed through a queue (whose feeder thread never blocks the event loop)."""

    def __init__(self):
        context = multiprocessing.get_context("fork")  # forked first thing, before any thread starts
        self.work = context.Queue()
        self.results, sending = context.Pipe(duplex=False)
        self.process = context.Process(target=checker.run, args=(self.work, sending), name="contract-checker", daemon=True)
        self.process.start()
        self.keys = itertools.count()
        self.cpu = 0.0

    def put(self, *item) -> None:
        self.work.put(item)

    def new_violations(self, last: bool = False) -> list[dict]:
        """The violations found since the last call, once everything put before it is checked."""
        self.put("stop" if last else "sync", None)
        found, self.cpu = self.results.recv()
        return found


class AnswerSink:
    """Takes one answer's body as it comes off the wire, and puts what its check needs in the checker's queue."""

    def __init__(self, checker: Checker, request, status: int, headers: dict):
        self.key, self.put = next(checker.keys), checker.put
        self.put("answer", self.key, request.method, request.target, request.headers, status, headers)
        streamed = media_type(headers) == "text/event-stream"
        self.body = None if streamed else bytearray()
        self.events = EventDecoder() if streamed else None

    def data(self, chunk: bytes) -> None:
        if self.body is not None:
            self.body += chunk
            if len(self.body) > MAX_BODY:
                self.body = None
                self.put("wire", self.key, f"the body is over {MAX_BODY >> 20} MiB: not checked")
        elif self.events:
            try:
                for name, data in self.events.feed(chunk):
                    self.put("event", self.key, name, data)
            except UnicodeDecodeError as error:
                self.events = None
                self.put("wire", self.key, f"the stream is not UTF-8: {error}")

    def end(self, how: str) -> None:
        if self.body is not None and how == COMPLETE:
            self.put("body", self.key, bytes(self.body))
        if self.events and how == COMPLETE:
            events, unfinished = self.events.finish()
            for name, data in events:
                self.put("event", self.key, name, data)
            if unfinished:
                self.put("wire", self.key, "the stream ended inside an event (no blank line after it): clients drop it")
        self.put("end", self.key, how)


class Observer:
    """Reads the copies of one connection's bytes; at any error of its own it stops reading, never forwarding."""

    def __init__(self, checker: Checker):
        self.checker = checker
        self.requests = RequestReader()
        self.answers = AnswerReader(self._answer)
        self.working = True

    def client_bytes(self, data: bytes) -> None:
        self._guarded(lambda: self.answers.requests.extend(self.requests.feed(data)))

    def gateway_bytes(self, data: bytes) -> None:
        self._guarded(lambda: self.answers.feed(data))

    def ended(self, how: str) -> None:
        self._guarded(lambda: self.answers.stop(how))
        self.working = False

    def _answer(self, request, status, headers):
        if not is_api(request.target) or request.method == "HEAD" or status in (204, 304):
            return None  # nothing to check
        return AnswerSink(self.checker, request, status, headers)

    def _guarded(self, step) -> None:
        if not self.working:
            return
        try:
            step()
        except Exception:
            traceback.print_exc()
            self.working = False


class Tap:
    def __init__(self, host: str, port: int, checker: Checker):
        self.host, self.port, self.checker = host, port, checker
        self.connections: set[asyncio.Task] = set()
        self.count = 0

    async def listen(self) -> int:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0, limit=CHUNK, backlog=512)
        return self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.server.close()
        for task in list(self.connections):
            task.cancel()
        await asyncio.gather(*self.connections, return_exceptions=True)

    async def _connection(self, client_reader, client_writer) -> None:
        self.connections.add(asyncio.current_task())
        self.count += 1
        observer = Observer(self.checker)
        gateway_writer = None
        try:
            try:
                gateway_reader, gateway_writer = await asyncio.open_connection(self.host, self.port, limit=CHUNK)
            except OSError:
                reset(client_writer)
                return
            for writer in (client_writer, gateway_writer):
                nodelay(writer)
            await self._relay(client_reader, client_writer, gateway_reader, gateway_writer, observer)
        except asyncio.CancelledError:
            observer.ended(ABANDONED)  # the tap is stopping: its connections close
        finally:
            self.connections.discard(asyncio.current_task())
            for writer in (client_writer, gateway_writer):
                if writer:
                    writer.close()

    async def _relay(self, client_reader, client_writer, gateway_reader, gateway_writer, observer: Observer) -> None:
        """Both directions until both end. A FIN is passed on as a FIN, a reset (after what came before it) as a
        reset; bytes the client sends after the gateway's FIN get a reset, as they would from the gateway."""
        state = {"client_fin": False, "gateway_fin": False, "gateway_broken": False}

        async def upstream():  # "eof" (the client's FIN), "reset", or "late" (bytes after the gateway's FIN)
            while True:
                data = await read(client_reader)
                if data is None:
                    return "reset"
                if not data:
                    state["client_fin"] = True
                    write_eof(gateway_writer)
                    return "eof"
                if state["gateway_fin"]:
                    return "late"
                if state["gateway_broken"]:
                    continue  # the gateway stopped reading (and reset): its answer may still be on its way
                gateway_writer.write(data)
                observer.client_bytes(data)
                try:
                    await gateway_writer.drain()
                except OSError:
                    state["gateway_broken"] = True

        async def downstream():  # "eof" (the gateway's FIN), "reset", or "gone" (the client can take no more)
            while True:
                data = await read(gateway_reader)
                if not data:
                    state["gateway_fin"] = data is not None
                    observer.ended(ABANDONED if state["client_fin"] else CUT)
                    return "eof" if data is not None else "reset"
                client_writer.write(data)
                observer.gateway_bytes(data)
                try:
                    await client_writer.drain()
                except OSError:
                    return "gone"

        up, down = asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())
        try:
            done, _ = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            if up in done and up.result() == "reset":
                reset(gateway_writer)
                return
            how = await down  # after the client's FIN, the gateway's answer goes on to its end
            if how == "eof":
                write_eof(client_writer)
                if await up == "late":
                    reset(client_writer)
            elif how == "reset":
                await flushed(client_writer)
                reset(client_writer)
            else:
                reset(gateway_writer)
        finally:
            observer.ended(ABANDONED)
            for task in (up, down):
                task.cancel()


async def read(reader) -> bytes | None:
    """The next bytes; b"" at a FIN; None at a reset."""
    try:
        return await reader.read(CHUNK)
    except (ConnectionError, OSError):
        return None


def write_eof(writer) -> None:
    try:
        if not writer.is_closing():
            writer.write_eof()
    except (OSError, RuntimeError):
        pass


def nodelay(writer) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def reset(writer) -> None:
    """Closes the connection with a reset (RST), not a FIN."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None and sock.fileno() >= 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


async def flushed(writer, limit: float = 1.0) -> None:
    """Waits (up to `limit` s) until what was written has left, so that a reset after it does not discard it."""
    try:
        await writer.drain()
        sock = writer.get_extra_info("socket")
        deadline = time.monotonic() + limit
        unsent = getattr(termios, "TIOCOUTQ", None)  # Linux: the bytes the peer has not acknowledged yet
        while sock is not None and sock.fileno() >= 0 and time.monotonic() < deadline:
            if unsent is None or struct.unpack("i", fcntl.ioctl(sock.fileno(), unsent, b"\0\0\0\0"))[0] == 0:
                return
            await asyncio.sleep(0.002)
    except OSError:
        pass


def control(loop, tap: Tap, checker: Checker) -> None:
    """Answers `sync` and `stop` on stdin, in a thread of its own."""
    for line in sys.stdin:
        if line.strip() == "sync":
            marker = threading.Event()
            loop.call_soon_threadsafe(marker.set)  # runs after the loop's pending work: all it forwarded is queued
            marker.wait()
            answer(checker.new_violations())
        elif line.strip() == "stop":
            break
    asyncio.run_coroutine_threadsafe(tap.close(), loop).result(timeout=30)
    answer(checker.new_violations(last=True))
    print(f"wire tap: {tap.count} connections; checking took {checker.cpu:.1f} s of CPU", file=sys.stderr)
    loop.call_soon_threadsafe(loop.stop)


def answer(payload) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="the gateway's HOST:PORT")
    host, _, port = parser.parse_args().target.rpartition(":")
    # The tap is test equipment: on a machine of two cores it must not take CPU from the gateway it measures
    # (the fuzz test holds /health to 100 ms under load), so it runs below it, and its checker lower still.
    os.nice(5)
    checker = Checker()
    loop = asyncio.new_event_loop()
    tap = Tap(host, int(port), checker)
    answer({"port": loop.run_until_complete(tap.listen())})
    threading.Thread(target=control, args=(loop, tap, checker), name="control", daemon=True).start()
    loop.run_forever()


if __name__ == "__main__":
    main()
