#!/usr/bin/env python3
"""Holds many streamed chat completions open at once and samples the gateway's memory meanwhile.

Usage: open_streams.py PORT GATEWAY_PID COUNT HOLD_SECONDS

Opens COUNT connections to the gateway on 127.0.0.1:PORT (in batches, so the listen backlog
never overflows), sends one streamed POST /v1/chat/completions on each, and reads whatever
arrives. While they are all open it samples VmRSS of GATEWAY_PID from /proc every 0.25 s for
HOLD_SECONDS, then closes every connection. Prints one JSON object: how many connections were
opened, how many had the response headers and a first `data:` event when the hold ended,
and the gateway's RSS before, at its peak and at the end of the hold (KiB).
"""

import asyncio
import json
import sys
import time


def rss_kib(pid):
    with open("/proc/%d/status" % pid, encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Stream:
    def __init__(self):
        self.headers = False
        self.data = False
        self.bytes = 0
        self.writer = None


async def run_stream(port, number, stream):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    stream.writer = writer
    body = json.dumps({
        "model": "copilot", "stream": True,
        "messages": [{"role": "user", "content": "open stream %d" % number}],
    }).encode()
    writer.write(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    seen = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return
        stream.bytes += len(chunk)
        if not stream.data:
            seen = (seen + chunk)[-65536:]
            if b"\r\n\r\n" in seen:
                stream.headers = True
            if b"data:" in seen:
                stream.data = True


async def main(port, pid, count, hold):
    before = rss_kib(pid)
    streams = [Stream() for _ in range(count)]
    tasks = []
    started = time.monotonic()
    opened = 0
    for first in range(0, count, 100):
        batch = []
        for number in range(first, min(count, first + 100)):
            batch.append(asyncio.ensure_future(run_stream(port, number, streams[number])))
        tasks += batch
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    opened = sum(1 for stream in streams if stream.writer is not None)
    open_seconds = time.monotonic() - started
    samples = []
    end = time.monotonic() + hold
    while time.monotonic() < end:
        samples.append(rss_kib(pid))
        await asyncio.sleep(0.25)
    result = {
        "requested": count,
        "opened": opened,
        "opening_seconds": round(open_seconds, 2),
        "with_headers": sum(1 for stream in streams if stream.headers),
        "with_data": sum(1 for stream in streams if stream.data),
        "failed": sum(1 for task in tasks if task.done() and task.exception() is not None),
        "finished": sum(1 for task in tasks if task.done() and task.exception() is None),
        "hold_seconds": hold,
        "rss_before_kib": before,
        "rss_peak_kib": max(samples) if samples else 0,
        "rss_end_kib": samples[-1] if samples else 0,
    }
    for task in tasks:
        task.cancel()
    for stream in streams:
        if stream.writer is not None:
            stream.writer.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)
    result["rss_after_close_kib"] = rss_kib(pid)
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        sys.exit(2)
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
