"""The report's method paragraphs (filled in by write, streams and compare)."""

# How each dialect's requests are sent (for the method of (a)), in table order.
DIALECT_METHOD = {
    "chat": "Chat Completions (`POST /v1/chat/completions` with `messages`)",
    "responses": ("the Responses API (`POST /v1/responses` with `input` items; `store` left at its default, so "
                  "the gateway also keeps each response for `previous_response_id`)"),
    "messages": ("the Anthropic Messages API (`POST /v1/messages` with `messages`, `max_tokens` and the "
                 "`anthropic-version` and `x-api-key` headers)"),
}
DIALECT_END = {"chat": "`data: [DONE]`", "responses": "`response.completed`", "messages": "`message_stop`"}

METHOD = """\
- **Load**: wrk, one thread, keep-alive connections, closed loop at concurrency 1 and 32. Each measured
  phase is a fixed number of requests (%(n1)s at concurrency 1 and %(n32)s at 32 on the static upstream,
  %(sim_n1)s and %(sim_n32)s on the simulator); `openai.lua` (with each dialect's bodies and answers from
  `dialects.lua`) and `graph.lua` stop wrk when it is reached and time the phase themselves (requests per
  second = responses / time from the first request to the last response). Latency is wrk's, from writing a
  request to the end of its response (for a stream: the whole stream). Before the measured phases, 500
  non-streamed and 500 streamed first turns in each dialect warm the gateway up.
- **Dialects**: %(dialects)s.
- **First turns**: one user message, unique in the run (`bench-<tag>-<n>`), so the gateway creates a
  conversation and then chats: 2 upstream calls. **Continuing turns**: `[user A, assistant R, user B]` in
  the dialect's own form (Responses: a user message item, an assistant message item with `R` as its
  `output_text`, a new user message item; Messages: `R` as the assistant's text block), where `A` is a
  first turn of the previous phase in the same dialect and `R` the reply exactly as the gateway returned it
  to that request (read from its answer, or joined from its stream's text deltas); each history is sent
  once, since a history continues its conversation only once. The gateway then makes 1 upstream call. The
  column of upstream calls counts the calls the gateway really made per request (from nginx's access log or
  the simulator's request log): `0 + 1` for continuing turns shows they continued, and the sentence under
  each table says whether every phase made the calls its turns should.
- **Direct baseline**: wrk sends the same Graph calls straight to the upstream, with the body the gateway
  sends: `POST /beta/copilot/conversations`, then `/chat` (or `/chatOverStream`) on a conversation of its
  own (first turns), then a second `/chat` on the same conversations (the baseline of continuing turns). A
  first turn's direct latency is the create p50 plus the chat p50 (p99: the sum of the two p99s, an upper
  bound, so the added p99 of first turns is understated); its direct requests/s is that of the pair done one
  after the other on each connection (1 / (1/create rate + 1/chat rate)). The Graph calls are the same in
  every dialect, so each dialect's rows of a kind of request stand beside the same direct figures.
- **CPU**: utime + stime of the gateway process from `/proc/PID/stat` before and after each phase (clock
  ticks of 10 ms), divided by the responses. It includes what the gateway does for the requests wrk leaves in
  flight when the phase ends (at most 31).%(floor)s
- **RSS**: `VmRSS` from `/proc/PID/status`.
- **Simulator**: %(snapshots)s growing partial snapshots per streamed reply, %(delay)s ms between events. The
  simulator runs on the same 2 cores and costs more CPU than the gateway, so its rows show the gateway in a
  setting closer to a real upstream, not its own cost."""

METHOD_FLOOR = """ **CPU / stack-floor's**: a row's CPU per request over that of
  `stack-floor` (f) for the same kind of request, which makes the same Graph calls in every dialect's place."""

STREAMS_NOTE = """\
Not every stream had started: the gateway's `HTTPClient` keeps AsyncHTTPClient's default connection pool,
whose `concurrentHTTP1ConnectionsPerHostSoftLimit` is 8. Over plain HTTP/1.1 (the simulator here) at most
8 upstream requests run at once and the rest wait in the pool's queue (the gateway has already sent their
response headers), so the client connections are open but most of their turns have not reached the
upstream. Against Graph (TLS, HTTP/2) requests share multiplexed connections instead. The number above is
therefore the memory of that many open client streams with pending turns and 8 live upstream streams, not
of that many live upstream streams."""

FLOOR_NOTE = ("(f) measures the floor of the gateway's own libraries: where a goal lies below it, or the original's "
              "cost is less than five times it, no tuning of the gateway's code can meet it. ")

FLOOR_METHOD = """\
`stack-floor` (`bench/StackFloor`, built with `swift build -c release --product stack-floor`) serves
`POST /v1/chat/completions` on the gateway's own libraries, set up as the gateway sets them up: Hummingbird 2's
HTTP/1 server with an idle timeout, AsyncHTTPClient on the same NIO event loops, Swift concurrency on those loops,
the same connection limit. For each request it reads the body, makes the Graph calls the gateway makes (a first
turn: create, then chat or chatOverStream; a continuing turn, `?turn=continue`: one chat in a conversation made at
its start) and answers with a fixed completion, or, streamed, an opening event, one small event per read from
Graph (the gateway writes at most one per read) and `[DONE]`; **reading only** (`?writes=end`): the same stream
read whole with one event written at the end, what is left of the floor even for a relay that held all text
back. It parses nothing but the new conversation's id, formats nothing, records nothing, logs nothing and has
none of the gateway's middleware or connection guards. A gateway on these libraries that makes these calls and
writes as it reads cannot answer for less CPU, so **Original / stack-floor** is the most that such a gateway
could be below the original, and the stream rows bound what our reading of the snapshots could save. It speaks
no dialect of its own: every dialect's turn makes the same Graph calls, so it stands under each dialect's rows
(**… / stack-floor**), and the dialects' own decoding and encoding are part of what it leaves out. Measured
as ours: the phases of (a) with the same wrk script and budgets (static upstream, Chat Completions bodies), and
the rows of (c) with `streaming.py scale --raw` (the same simulators)."""

SCALE_METHOD = """\
Each row: %(n)s streamed turns in the row's API dialect (%(dialects)s; the bodies of (a)'s first turns) sent
one at a time (after %(warm)s unmeasured ones) through the gateway in
front of `copilot-gateway simulate --snapshots N --delay-ms 0`, each a first turn (`hi <unique>`: create, then
chatOverStream), whose reply a `huge` fault (posted to `/_sim/faults` before each request) makes that many
characters long: numbered lines mixing ASCII, Chinese, quotes, a backslash and a tab. Each snapshot repeats the
whole text so far, so the upstream bytes grow with snapshots × characters. **CPU ms / request** is the gateway's
CPU time over the row divided by its requests, read from the process's CPU clock (`clock_gettime` on its
`clock_getcpuclockid`: all threads, exited ones included, nanosecond resolution; /proc/PID/stat's 10 ms ticks are
too coarse for %(n)s requests). The client (`bench/streaming.py`, Python's http.client in its own process) checks that
each stream ends as its dialect's streams end (`[DONE]`, `response.completed`, `message_stop`) and that its text
deltas add up to the reply's length; its own CPU is shown too.
**Floor**: the same stream read straight from the simulator by a minimal client (POST
`/beta/copilot/conversations`, the fault, POST `.../chatOverStream`, the body read into a buffer, not parsed): the
client's own CPU time for the chatOverStream request and its body (`time.process_time`), the cost of merely
reading the bytes in Python, the same for every dialect's rows. A gateway also parses every snapshot and writes
the deltas, so it cannot reach the floor; the ratio shows how far above it the gateway is and how that grows with
the stream. The simulator and the clients share the 2 cores with the gateway."""

PACED_METHOD = """\
%(n)s streamed chat completions one at a time through the gateway and %(n)s straight to the simulator, alternating, each
with a reply of %(length)s characters (a `huge` fault) in %(snapshots)s snapshots %(delay)s ms apart. **TTFT** is the
time from sending the request to the first content: through the gateway the first `data:` chunk whose
`choices[0].delta.content` is not empty; straight from the simulator, from sending the create call (the gateway
makes it too) to the first chatOverStream event whose last message has text. **Gaps** are the times between
consecutive content chunks (straight: events whose text changed), pooled over all requests; a chunk's time is that
of the read that completed it (`bench/streaming.py paced`). Both TTFTs include the create call and the time the
simulator takes before its first event, which varies from request to request by more than a millisecond (its own
work and its timers), so the two TTFT p50s differ by that noise too. **Beyond the simulator's own** pairs each
request with the simulator's own timing: its TTFT less the time from the simulator reading the chatOverStream call
to its writing the first event with text (`receivedAt` in `/_sim/requests`, `lastFirstTextAt` in `/_sim/streams`,
the simulator's clock). What remains is the client's part (the create call, the turn to the chat call, reading the
first event) and, through the gateway, the gateway's; the difference of the two p50s is the gateway's **added time
to first token**, the figure the target uses. Milliseconds."""

SCALE_ORIGINAL = """\
**Original**: the original Python gateway, run as in (e), in front of the same simulator and measured the same way
(its process's CPU clock), in the Chat Completions rows (the one dialect it speaks). It sends each request's message
to the one conversation it keeps for the client (see (e)), so its rows are continuing turns on a long conversation:
1 upstream call per request, where ours makes 2 (create and chatOverStream). Its CPU includes its uvicorn
access-log line per request."""

ORIGINAL_METHOD = """\
`gateway.py` of copilot-chat-gateway (the Python gateway this project replaces), in front of the same nginx upstream
as (a), measured with the same wrk script and CPU accounting (utime + stime of its process from /proc/PID/stat),
%(n1)s requests at concurrency 1 and %(n32)s at 32 after 200 unmeasured non-streamed and 200 streamed ones. It runs
from its own venv (its requirements.txt, unpinned, plus `h2`: its `httpx.AsyncClient(http2=True)` refuses to start
without it and its requirements name plain `httpx`). Its file is unchanged; `bench/original_gateway.py` replaces
`msal.PublicClientApplication` with a stand-in whose silent sign-in returns a fixed token (so its per-request MSAL
account and cache look-up is not counted), and points its `GRAPH` constant at the upstream. It speaks Chat
Completions only, so it is set beside our Chat Completions rows. **Conversations**: it
sends Copilot only the last user message and keeps one conversation per session key (the request's `user`, an
`x-session-id` header, or else client address and User-Agent) for 15 minutes, so every request here goes to the
same conversation: after the first create it makes 1 upstream call per request (last column), where ours makes 2
for a first turn and 1 for a continuing turn. Both of our rows are compared. Ours keeps the settings of (a)."""


def dialects_sentence(dialects):
    """The method's sentence on the dialects measured on the static upstream."""
    if not dialects:
        return "none measured on the static upstream"
    described = [DIALECT_METHOD[name] for name in dialects]
    listed = described[0] if len(described) == 1 else ", ".join(described[:-1]) + " and " + described[-1]
    ends = ", ".join(DIALECT_END[name] for name in dialects)
    return ("on the static upstream (a) every kind of request is measured in %s, one dialect after the other "
            "against the same gateway; a stream counts as an error unless it ends as the dialect's streams end "
            "(%s). The simulator's phases (b) are Chat Completions only") % (listed, ends)
