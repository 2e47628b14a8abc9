#!/usr/bin/env python3
"""Where the gateway's CPU goes, from demangled `perf script` output, in buckets of work.

Usage:
  perf script -i STEP.perf.data | swift-demangle --simplified | perf_breakdown.py REQUESTS [FRAME]

Without FRAME every sample goes to one bucket: samples that end in the kernel by the kind of
system call, the others by the innermost frame that matches a bucket below. With FRAME (part of a
function name): what that function's samples call directly, biggest first. Samples are of perf's
cpu-clock event at FREQUENCY Hz (environment, default 2000), so they convert to microseconds of
CPU per request.
"""

import collections
import os
import re
import sys

BUCKETS = [
    ("Foundation trimmingCharacters(in:): the [DONE] check on whole SSE events, message texts", r"trimmingCharacters\(in:"),
    ("Regex: parsing patterns at run time (Regex.init)", r"Regex\.init\(_regexString|Regex\.init\(ast|Regex\.Program|loweredProgram|_RegexParser|Compiler\.|ByteCodeGen"),
    ("Regex: matching (replace, wholeMatch)", r"RangeReplaceableCollection<>\.replac|RangeReplaceableCollection\._replacing|Regex\.wholeMatch|RegexRangesSequence|Executor\.|Processor\."),
    ("Fingerprint: hex of the digest (String(format:))", r"String\.init\(format:"),
    ("Fingerprint: the rest (split, join, SHA-256)", r"ConversationDirectory\.key|ReplyFormatter\.withoutCitations|SHA256"),
    ("Conversation store (SQLite through GRDB)", r"GRDB|sqlite3|SQLiteConversationStore"),
    ("JSON decoding (JSONDecoder)", r"JSONDecoder|JSONDecoderImpl|JSONScanner|JSONMap"),
    ("JSON encoding (JSONEncoder)", r"JSONEncoder|__JSONEncoder|JSONWriter|JSONFuture"),
    ("SSE decoding and snapshot splitting", r"ServerSentEventDecoder|JSONValueSplitter"),
    ("Reply formatting and stream deltas", r"ReplyFormatter\.|StreamingTextDiffer|ReplyTracker"),
    ("Request reading (PreparedTurn, ChatCompletionRequest)", r"PreparedTurn|ChatCompletionRequest|ChatMessage"),
    ("Logging", r"Logger\.|LogHandler|StreamLogHandler"),
    ("Metrics", r"Prometheus|CoreMetrics|GatewayMetrics|MetricsMiddleware"),
    ("Upstream HTTP client (AsyncHTTPClient)", r"HTTPClient|HTTP1Connection|HTTPConnectionPool|Transaction\.|HTTP1ClientChannelHandler|RequestBag|HTTPClientRequest|HTTPClientResponse"),
    ("Server HTTP (Hummingbird)", r"Hummingbird|HTTP1Channel|HTTPServer|Router|ChatCompletionsController|ResponseBody|Middleware"),
    ("HTTP/1 parsing and encoding (NIOHTTP1)", r"HTTPDecoder|BetterHTTPParser|llhttp|HTTPRequestEncoder|HTTPResponseEncoder|HTTPHeaders|NIOHTTP1"),
    ("NIO channels and event loop", r"SelectableEventLoop|BaseSocketChannel|BaseStreamSocketChannel|ChannelPipeline|ChannelHandlerContext|Selector|NIOAsync|EventLoopFuture|EventLoopPromise|ByteBuffer|PendingWrites"),
    ("Swift concurrency (task switches, continuations)", r"swift_task_|swift_continuation|swift::AsyncTask|withCheckedContinuation|withUnsafeContinuation|swift_asyncLet"),
]
KERNEL = [
    ("kernel: socket reads and writes", r"sys_write|sys_read|sys_sendmsg|sys_recvmsg|sys_writev|sys_readv|sock_|tcp_"),
    ("kernel: thread wake-ups and waits (futex)", r"futex"),
    ("kernel: epoll and eventfd", r"epoll|eventfd"),
]


def samples(lines):
    frames = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if line[:1] in ("\t", " "):
            match = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\(([^()]*)\)$", line)
            if match:
                frames.append((re.sub(r"\+0x[0-9a-f]+$", "", match.group(1)), match.group(2)))
    if frames:
        yield frames


def bucket(frames, patterns, kernel_patterns):
    if frames and "kernel" in frames[0][1]:
        for label, pattern in kernel_patterns:
            if any(pattern.search(name) for name, dso in frames if "kernel" in dso):
                return label
        return "kernel: other (scheduling, interrupts, page faults)"
    for name, _ in frames:
        for label, pattern in patterns:
            if pattern.search(name):
                return label
    leaf = frames[0][0] if frames else ""
    if re.search(r"swift_retain|swift_release|swift_bridgeObject|malloc|free|swift_alloc|swift_dealloc|_int_", leaf):
        return "retain/release and allocation outside the buckets"
    return "other"


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    requests = int(argv[1])
    frame = argv[2] if len(argv) == 3 else None
    frequency = float(os.environ.get("FREQUENCY", "2000"))
    patterns = [(label, re.compile(pattern)) for label, pattern in BUCKETS]
    kernel_patterns = [(label, re.compile(pattern)) for label, pattern in KERNEL]
    counts = collections.Counter()
    total = 0
    for frames in samples(sys.stdin):
        total += 1
        if frame:
            for depth, (name, _) in enumerate(frames):
                if frame in name:
                    counts[frames[depth - 1][0][:160] if depth else "(self)"] += 1
                    break
        else:
            counts[bucket(frames, patterns, kernel_patterns)] += 1
    scope = sum(counts.values())
    print("%d of %d samples, %.0f us of CPU per request%s" % (
        scope, total, scope / frequency / requests * 1e6, (" under " + frame) if frame else ""))
    for name, count in counts.most_common(40):
        try:
            print("%6.1f%%  %6.0f us/request  %s" % (100.0 * count / scope, count / frequency / requests * 1e6, name))
        except BrokenPipeError:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
