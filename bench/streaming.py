#!/usr/bin/env python3
"""Streaming measurements for bench/run.sh: CPU per streamed request by reply size, and a paced stream.

  streaming.py scale --url URL --pid PID --sim URL --length L --count N --tag T [--warm W] [--dialect D]
                     [--raw [--min-events N]] [--path P]
      N streamed turns, one at a time, through a gateway at URL (ours, or the original Python one,
      which speaks only Chat Completions) in the API dialect D (chat, the default: Chat Completions;
      responses: the Responses API; messages: the Anthropic Messages API; see dialects.py), each a
      first turn ("hi <tag>-<n>") whose upstream reply is made L characters long by a `huge` fault
      posted to the simulator at SIM just before it. Prints one JSON object: the gateway's CPU time
      over the N requests (the CPU clock of process PID and its children: all threads, nanoseconds),
      the client's own CPU, the characters of content received per request, the bytes read, the wall
      time, and the requests that failed (a stream without its dialect's end, an error, or content
      that does not add up to L characters).
      With --raw (for stack-floor, which passes on no text) only the end of each stream and the number
      of content events (at least --min-events, default 2: one per read) are checked;
      --path PATH posts to PATH instead of the dialect's path.
  streaming.py floor --sim URL --length L --count N [--warm W]
      The same reply read straight from the simulator by a minimal client: POST
      /beta/copilot/conversations, the fault, then POST .../{id}/chatOverStream, whose body is read
      whole into a buffer and not parsed. Prints the client's own CPU time for the chatOverStream
      requests (request, response and body: the cost of merely reading the bytes).
  streaming.py paced --url URL --sim URL --length L --count N [--warm W]
      N streamed chat completions one at a time through the gateway and N straight to the simulator,
      alternating, each with a `huge` fault of L characters; records the time from sending the
      request (through the gateway; the create call, straight) to the first content, and the gaps
      between consecutive content events. Prints their p50 and p99 on both sides.
  streaming.py cpu PID
      The CPU time of PID and its child processes, in nanoseconds (used by run.sh).

Only the standard library: it runs with the system python3 in its own process.
"""

import argparse
import http.client
import json
import os
import sys
import time
import urllib.parse

import dialects

TOKEN = "bench-token"
CHAT_BODY = {"message": {"text": "hi"}, "locationHint": {"timeZone": "UTC"}}


# --- CPU time of another process ----------------------------------------------------------------

def process_cpu_ns(pid):
    """CPU time of every thread of process PID (live and exited ones), in nanoseconds.

    clock_gettime on the process's CPU clock (clock_getcpuclockid; the clock id is built as glibc's
    MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) does): nanosecond resolution, unlike utime and stime
    in /proc/PID/stat, which count 10 ms clock ticks."""
    return time.clock_gettime_ns(((~pid) << 3) | 2)


def children(pid):
    found = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return found
    for task in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, task), encoding="ascii") as handle:
                found += [int(child) for child in handle.read().split()]
        except OSError:
            pass
    return found


def tree_cpu_ns(pid):
    """CPU time of PID and of its child processes (recursively), in nanoseconds."""
    total = 0
    for child in children(pid):
        try:
            total += tree_cpu_ns(child)
        except OSError:
            pass  # it ended meanwhile
    return total + process_cpu_ns(pid)


# --- HTTP -----------------------------------------------------------------------------------------

class Endpoint:
    """A keep-alive HTTP/1.1 connection to one server."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.connection = None

    def connect(self):
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
        return self.connection

    def post(self, path, body, headers=None):
        """Sends a POST and returns the response (its body still to be read)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        for attempt in (0, 1):
            connection = self.connect()
            try:
                connection.request("POST", path, body=data, headers=all_headers)
                return connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server had closed: once more on a new one.
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def post_json(self, path, body, headers=None):
        response = self.post(path, body, headers)
        data = response.read()
        return response.status, data

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Simulator(Endpoint):
    def huge_fault(self, length):
        status, data = self.post_json(
            "/_sim/faults", {"kind": "huge", "length": length, "endpoint": "stream", "count": 1})
        if status != 201:
            raise RuntimeError("the simulator refused the fault: %d %s" % (status, data[:200]))

    def clear_faults(self):
        connection = self.connect()
        connection.request("DELETE", "/_sim/faults")
        connection.getresponse().read()

    def create(self):
        status, data = self.post_json(
            "/beta/copilot/conversations", b"{}",
            {"Authorization": "Bearer " + TOKEN, "Accept": "application/json"})
        if status != 201:
            raise RuntimeError("create failed: %d %s" % (status, data[:200]))
        return json.loads(data)["id"]

    def clear_requests(self):
        connection = self.connect()
        connection.request("DELETE", "/_sim/requests")
        connection.getresponse().read()

    def own_time_to_first_text(self):
        """Seconds from the simulator reading the newest chatOverStream call to its writing that stream's
        first event with text, by its own clock (its request log and stream counts): its own part of a
        time to first token, jitter included. Everything before that call (the create call and the
        turnaround to the chat call) stays with the client, or the gateway."""
        connection = self.connect()
        connection.request("GET", "/_sim/requests")
        log = json.loads(connection.getresponse().read())
        connection.request("GET", "/_sim/streams")
        first_text = json.loads(connection.getresponse().read()).get("lastFirstTextAt")
        streams = [entry["receivedAt"] for entry in log
                   if entry["path"].endswith("/chatOverStream") and entry.get("receivedAt")]
        if not streams or first_text is None:
            return None
        return first_text - streams[-1]

    def stream(self, conversation):
        return self.post(
            "/beta/copilot/conversations/%s/chatOverStream" % conversation, CHAT_BODY,
            {"Authorization": "Bearer " + TOKEN, "Accept": "text/event-stream"})


def events(response, on_event):
    """Reads an SSE body as it arrives and calls on_event(payload bytes of its data lines, the time of
    the read that completed the event) for each event. Returns the bytes read."""
    total = 0
    pending = b""
    while True:
        chunk = response.read1(262144)
        if not chunk:
            break
        now = time.perf_counter()
        total += len(chunk)
        pending += chunk
        if b"\r" in pending:
            pending = pending.replace(b"\r\n", b"\n")
        while True:
            end = pending.find(b"\n\n")
            if end < 0:
                break
            event, pending = pending[:end], pending[end + 2:]
            data = [line[5:].lstrip(b" ") for line in event.split(b"\n") if line.startswith(b"data:")]
            if data:
                on_event(b"\n".join(data), now)
    if pending.strip():
        data = [line[5:].lstrip(b" ") for line in pending.split(b"\n") if line.startswith(b"data:")]
        if data:
            on_event(b"\n".join(data), time.perf_counter())
    return total


class GraphStream:
    """One chatOverStream read straight from the simulator: the times of the events whose reply text
    (the last message's) is not empty and differs from the one before."""

    def __init__(self):
        self.times = []
        self.text = ""

    def __call__(self, payload, now):
        try:
            snapshot = json.loads(payload)
        except ValueError:
            return
        messages = snapshot.get("messages") or []
        text = (messages[-1].get("text") or "") if messages else ""
        if text and text != self.text:
            self.times.append(now)
            self.text = text


def request(gateway, dialect, text, path=None):
    """Sends a streamed first turn of DIALECT with the user message TEXT; the response, unread."""
    spec = dialects.DIALECTS[dialect]
    return gateway.post(path or spec["path"], spec["body"](text), spec["headers"])


def read(response, dialect):
    """Reads a streamed turn of DIALECT: its reader (content times, characters, end) and the bytes read."""
    stream = dialects.DIALECTS[dialect]["reader"]()
    if response.status != 200:
        body = response.read()
        stream.error = "HTTP %d: %s" % (response.status, body[:200])
        return stream, len(body)
    return stream, events(response, stream)


# --- scale ------------------------------------------------------------------------------------------

def scale(args):
    gateway, simulator = Endpoint(args.url), Simulator(args.sim)
    simulator.clear_faults()

    def one(number):
        simulator.huge_fault(args.length)
        response = request(gateway, args.dialect, "hi %s-%d" % (args.tag, number), args.path)
        stream, size = read(response, args.dialect)
        problem = stream.error
        if problem is None and not stream.done:
            problem = "no %s" % dialects.end_name(args.dialect)
        if problem is None and args.raw and len(stream.times) < args.min_events:
            problem = "%d content events, fewer than %d: the stream did not come through" % (len(stream.times), args.min_events)
        if problem is None and not args.raw and stream.characters != args.length:
            problem = "%d characters of content, not %d" % (stream.characters, args.length)
        return size, stream.characters, problem

    for number in range(args.warm):
        one(-1 - number)
    time.sleep(0.2)
    sizes, characters, problems = 0, 0, []
    client_before = time.process_time_ns()
    wall_before = time.perf_counter()
    cpu_before = tree_cpu_ns(args.pid)
    for number in range(args.count):
        size, count, problem = one(number)
        sizes += size
        characters += count
        if problem:
            problems.append(problem)
    time.sleep(0.05)  # what the gateway does after the last byte (closing the upstream response)
    cpu_after = tree_cpu_ns(args.pid)
    wall = time.perf_counter() - wall_before
    client = time.process_time_ns() - client_before
    simulator.clear_faults()
    print(json.dumps({
        "requests": args.count, "length": args.length, "cpu_ns": cpu_after - cpu_before,
        "client_cpu_ns": client, "wall_s": round(wall, 4), "bytes": sizes, "characters": characters,
        "failed": len(problems), "problems": sorted(set(problems))[:3],
    }))


def floor(args):
    simulator = Simulator(args.sim)
    simulator.clear_faults()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)

    def one():
        conversation = simulator.create()
        simulator.huge_fault(args.length)
        started = time.process_time_ns()
        response = simulator.stream(conversation)
        size = 0
        while True:
            count = response.readinto(view)
            if not count:
                break
            size += count
        cpu = time.process_time_ns() - started
        # Not parsed: a whole reply is more bytes than characters (each snapshot repeats the text).
        return cpu, size, response.status == 200 and size > args.length

    for _ in range(args.warm):
        one()
    total_cpu, total_size, failed = 0, 0, 0
    wall_before = time.perf_counter()
    for _ in range(args.count):
        cpu, size, ok = one()
        total_cpu += cpu
        total_size += size
        failed += 0 if ok else 1
    wall = time.perf_counter() - wall_before
    simulator.clear_faults()
    print(json.dumps({
        "requests": args.count, "length": args.length, "client_cpu_ns": total_cpu, "bytes": total_size,
        "wall_s": round(wall, 4), "failed": failed,
    }))


# --- paced ------------------------------------------------------------------------------------------

def percentile(values, fraction):
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(ttfts, gaps, failed, events_per_request):
    def ms(value):
        return None if value is None else round(value * 1000.0, 3)
    return {
        "ttft_p50_ms": ms(percentile(ttfts, 0.5)), "ttft_p99_ms": ms(percentile(ttfts, 0.99)),
        "ttft_max_ms": ms(max(ttfts) if ttfts else None),
        "gap_p50_ms": ms(percentile(gaps, 0.5)), "gap_p99_ms": ms(percentile(gaps, 0.99)),
        "gap_max_ms": ms(max(gaps) if gaps else None),
        "requests": len(ttfts), "gaps": len(gaps), "failed": failed,
        "content_events_per_request": round(sum(events_per_request) / len(events_per_request), 1)
        if events_per_request else 0,
    }


def paced(args):
    gateway, simulator = Endpoint(args.url), Simulator(args.sim)
    simulator.clear_faults()
    sides = {"gateway": ([], [], [0], []), "direct": ([], [], [0], [])}
    # Each request's time to first token less the simulator's own part of it (from reading the
    # chatOverStream call to writing the first text): what the gateway, or the direct client, adds.
    # Pairing each request with the simulator's own timing takes its jitter out of the comparison.
    beyond = {"gateway": [], "direct": []}

    def through_gateway(number, keep):
        simulator.huge_fault(args.length)
        simulator.clear_requests()
        started = time.perf_counter()
        stream, _ = read(request(gateway, "chat", "hi paced-%d" % number), "chat")
        record("gateway", started, stream.times, stream.error is None and stream.done, keep)

    def direct(keep):
        simulator.huge_fault(args.length)
        simulator.clear_requests()
        started = time.perf_counter()
        conversation = simulator.create()
        response = simulator.stream(conversation)
        stream = GraphStream()
        events(response, stream)
        record("direct", started, stream.times, response.status == 200 and len(stream.text) == args.length, keep)

    def record(side, started, times, ok, keep):
        if not keep:
            return
        ttfts, gaps, failed, counts = sides[side]
        if not ok or not times:
            failed[0] += 1
            return
        ttfts.append(times[0] - started)
        gaps.extend(later - earlier for earlier, later in zip(times, times[1:]))
        counts.append(len(times))
        own = simulator.own_time_to_first_text()
        if own is not None:
            beyond[side].append(times[0] - started - own)

    for number in range(args.warm):
        through_gateway(-1 - number, False)
        direct(False)
    for number in range(args.count):
        through_gateway(number, True)
        direct(True)
    simulator.clear_faults()
    result = {"length": args.length}
    for side, (ttfts, gaps, failed, counts) in sides.items():
        result[side] = summary(ttfts, gaps, failed[0], counts)
        values = beyond[side]
        result[side]["beyond_simulator_p50_ms"] = round(percentile(values, 0.5) * 1000.0, 3) if values else None
        result[side]["beyond_simulator_p99_ms"] = round(percentile(values, 0.99) * 1000.0, 3) if values else None
    print(json.dumps(result))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("scale")
    command.add_argument("--url", required=True)
    command.add_argument("--pid", type=int, required=True)
    command.add_argument("--sim", required=True)
    command.add_argument("--length", type=int, required=True)
    command.add_argument("--count", type=int, default=15)
    command.add_argument("--warm", type=int, default=2)
    command.add_argument("--tag", default="scale")
    command.add_argument("--dialect", choices=dialects.NAMES, default="chat")
    command.add_argument("--path", help="instead of the dialect's path")
    command.add_argument("--min-events", type=int, default=2)
    command.add_argument("--raw", action="store_true",
                         help="a relay that does not pass the text on (stack-floor): check only that the stream ends")
    command = commands.add_parser("floor")
    command.add_argument("--sim", required=True)
    command.add_argument("--length", type=int, required=True)
    command.add_argument("--count", type=int, default=15)
    command.add_argument("--warm", type=int, default=2)
    command = commands.add_parser("paced")
    command.add_argument("--url", required=True)
    command.add_argument("--sim", required=True)
    command.add_argument("--length", type=int, default=5000)
    command.add_argument("--count", type=int, default=30)
    command.add_argument("--warm", type=int, default=2)
    command = commands.add_parser("cpu")
    command.add_argument("pid", type=int)
    args = parser.parse_args(argv)
    if args.command == "cpu":
        print(tree_cpu_ns(args.pid))
    else:
        {"scale": scale, "floor": floor, "paced": paced}[args.command](args)


if __name__ == "__main__":
    main(sys.argv[1:])
