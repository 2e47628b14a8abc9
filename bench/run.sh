#!/usr/bin/env bash
# Benchmark of copilot-gateway's own cost: the release-built gateway in front of
#   (a) a static Graph upstream that costs nearly nothing (nginx answering the three Graph
#       endpoints with fixed bodies, see graph_upstream.py), and
#   (b) the built-in simulator (`copilot-gateway simulate`),
# each compared in the same run with the same Graph calls sent straight to that upstream; then
#   (c) the gateway's CPU per streamed request for replies of 5,000 to 40,000 characters in 10 to 400
#       snapshots, beside the CPU a minimal client spends merely reading the same stream (the floor),
#   (d) the time to the first content and the gaps between chunks of a paced stream (64 snapshots
#       20 ms apart), through the gateway and straight from the simulator, and, when ORIGINAL_GATEWAY
#       is set,
#   (e) the original Python gateway (gateway.py of copilot-chat-gateway, run by uvicorn) measured the
#       same way beside ours: in the static-upstream phases (first turns) and in the table of (c); and
#   (f) the floor of the gateway's libraries: stack-floor (bench/StackFloor), a relay on Hummingbird and
#       AsyncHTTPClient set up as the gateway sets them up, making the same Graph calls and one small
#       write per read but doing none of the gateway's work, measured in the phases of (a) and the rows
#       of (c). No gateway on these libraries costs less, so (f) shows which targets tuning cannot reach.
#
# Usage:
#   bench/run.sh [GATEWAY_BINARY]
#
#   GATEWAY_BINARY defaults to .build-release/release/copilot-gateway, which is built when
#   missing (or, with BUILD=1, brought up to date with the working tree first) by
#   `swift build -c release --product copilot-gateway --scratch-path .build-release`.
#   Needs nginx, wrk and python3 (Debian: apt-get install -y nginx-light wrk python3 python3-venv).
#   With no settings the whole run takes about 12 minutes (15 with ORIGINAL_GATEWAY) and writes bench/RESULTS.md.
#
# Settings (environment):
#   BUILD=1                    rebuild the default binary from the working tree first (incremental)
#   N1=2000 N32=20000          requests per measured phase at concurrency 1 / 32 (static upstream)
#   SIM_N1=1000 SIM_N32=6000   the same against the simulator
#   SIM_SNAPSHOTS=10 SIM_DELAY_MS=0   the simulator's pacing for (b)
#   STREAMS=1000 STREAMS_HOLD=20      open streams held at once, and for how many seconds
#   SLOW_SNAPSHOTS=60 SLOW_DELAY_MS=1000   the slow simulated reply those streams wait on
#   GATEWAY_LOG_LEVEL=info     the gateway's LOG_LEVEL (info is its default)
#   GATEWAY_ENV="NAME=value ..."   more settings for the gateway (split on spaces)
#   GATEWAY_COMMIT=<commit>    what the report says the binary was built from (default: git HEAD)
#   SKIP_STATIC=1, SKIP_SIM=1, SKIP_STREAMS=1   leave out part (a), part (b) or the open-streams test
#   SKIP_SCALE=1, SKIP_PACED=1 leave out part (c) or part (d)
#   SCALE_N=15                 streamed requests per row of (c) (each side), after SCALE_WARM=2 unmeasured
#   SCALE_SNAPSHOTS="10 100 400" SCALE_LENGTHS="5000 20000 40000"   the rows of (c)
#   PACED_N=30 PACED_SNAPSHOTS=64 PACED_DELAY_MS=20 PACED_LENGTH=5000   part (d)
#   ORIGINAL_GATEWAY=DIR       a folder with the original's gateway.py and requirements.txt: adds (e).
#                              Its venv (its requirements plus h2, which its http2=True client needs) is
#                              made once under ORIGINAL_VENV=~/.cache/copilot-bench/original-venv, in a
#                              folder named after a hash of the requirements; pip needs PyPI.
#   ORIGINAL_N1=1000 ORIGINAL_N32=5000   its requests per static phase at concurrency 1 / 32
#   FLOOR_BIN=.build-release/release/stack-floor   the floor of (f), built when missing (or with
#                              BUILD=1) by `swift build -c release --product stack-floor --scratch-path .build-release`
#   SKIP_FLOOR=1               leave out (f)
#   OUT=bench/RESULTS.md       where the report goes; RAW=path keeps the raw JSON lines
#
# What is measured (see RESULTS.md for the method): for non-streamed and streamed requests,
# first turns (the gateway creates a conversation, then chats: 2 upstream calls) and continuing
# turns (the history continues a known conversation: 1 upstream call), at concurrency 1 and 32:
# p50/p99 latency through the gateway and direct, requests per second, the gateway's CPU seconds
# per 1,000 requests (utime+stime from /proc/PID/stat), and its RSS idle, after the run and with
# STREAMS streams open at once. Parts (c) and (d) send one streamed request at a time from
# streaming.py (Python's http.client) and read the gateway's CPU time from its process CPU clock
# (nanoseconds, all threads). The gateway's own admission limits are lifted
# (GATEWAY_MAX_CONCURRENT_PER_KEY=0, COPILOT_MAX_CONCURRENT=100000), so they are not what is
# measured; everything else keeps its default. The load generator is wrk (one thread) with openai.lua and
# graph.lua. Not part of CI. bench/profile.sh profiles the same request path with perf.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
GATEWAY_BIN=${1:-$REPO_DIR/.build-release/release/copilot-gateway}
N1=${N1:-2000}
N32=${N32:-20000}
SIM_N1=${SIM_N1:-1000}
SIM_N32=${SIM_N32:-6000}
SIM_SNAPSHOTS=${SIM_SNAPSHOTS:-10}
SIM_DELAY_MS=${SIM_DELAY_MS:-0}
STREAMS=${STREAMS:-1000}
STREAMS_HOLD=${STREAMS_HOLD:-20}
SLOW_SNAPSHOTS=${SLOW_SNAPSHOTS:-60}
SLOW_DELAY_MS=${SLOW_DELAY_MS:-1000}
GATEWAY_LOG_LEVEL=${GATEWAY_LOG_LEVEL:-info}
SKIP_SIM=${SKIP_SIM:-0}
SKIP_STREAMS=${SKIP_STREAMS:-0}
SKIP_STATIC=${SKIP_STATIC:-0}
SKIP_SCALE=${SKIP_SCALE:-0}
SKIP_PACED=${SKIP_PACED:-0}
SCALE_N=${SCALE_N:-15}
SCALE_WARM=${SCALE_WARM:-2}
SCALE_SNAPSHOTS=${SCALE_SNAPSHOTS:-10 100 400}
SCALE_LENGTHS=${SCALE_LENGTHS:-5000 20000 40000}
PACED_N=${PACED_N:-30}
PACED_SNAPSHOTS=${PACED_SNAPSHOTS:-64}
PACED_DELAY_MS=${PACED_DELAY_MS:-20}
PACED_LENGTH=${PACED_LENGTH:-5000}
ORIGINAL_GATEWAY=${ORIGINAL_GATEWAY:-}
FLOOR_BIN=${FLOOR_BIN:-$REPO_DIR/.build-release/release/stack-floor}
SKIP_FLOOR=${SKIP_FLOOR:-0}
ORIGINAL_VENV=${ORIGINAL_VENV:-$HOME/.cache/copilot-bench/original-venv}
ORIGINAL_N1=${ORIGINAL_N1:-1000}
ORIGINAL_N32=${ORIGINAL_N32:-5000}
OUT=${OUT:-$BENCH_DIR/RESULTS.md}
WRK_LIMIT=${WRK_LIMIT:-120s}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in nginx wrk python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install -y nginx-light wrk python3 curl)"
done

if [[ $# -eq 0 && ( ${BUILD:-0} == 1 || ! -x $GATEWAY_BIN ) ]]; then
    log "building the release binary (the first build takes 10+ minutes)"
    (cd "$REPO_DIR" && swift build -c release --product copilot-gateway --scratch-path "$REPO_DIR/.build-release")
fi
[[ -x $GATEWAY_BIN ]] || die "$GATEWAY_BIN is not an executable"
# The floor is measured in (a)'s phases and (c)'s rows; without either there is nothing to set it beside.
if [[ $SKIP_STATIC == 1 && $SKIP_SCALE == 1 ]]; then SKIP_FLOOR=1; fi
if [[ $SKIP_FLOOR != 1 && ( ${BUILD:-0} == 1 || ! -x $FLOOR_BIN ) ]]; then
    log "building stack-floor, the libraries' floor (bench/StackFloor)"
    (cd "$REPO_DIR" && swift build -c release --product stack-floor --scratch-path "$REPO_DIR/.build-release")
fi
[[ $SKIP_FLOOR == 1 || -x $FLOOR_BIN ]] || die "$FLOOR_BIN is not an executable"
if [[ -n $ORIGINAL_GATEWAY ]]; then
    ORIGINAL_GATEWAY=$(cd "$ORIGINAL_GATEWAY" && pwd)
    [[ -f $ORIGINAL_GATEWAY/gateway.py && -f $ORIGINAL_GATEWAY/requirements.txt ]] ||
        die "ORIGINAL_GATEWAY=$ORIGINAL_GATEWAY has no gateway.py and requirements.txt"
fi

# Room for thousands of sockets in the gateway, wrk and the stream client.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d "${TMPDIR:-/tmp}/copilot-bench.XXXXXX")
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
STARTED_PIDS=()

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n ${RAW:-} && -f $RESULTS ]]; then cp "$RESULTS" "$RAW"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # URL: until it answers (10 s at most)
    local attempt
    for attempt in $(seq 1 100); do
        if curl -s -o /dev/null "$1"; then return 0; fi
        sleep 0.1
    done
    die "nothing answers at $1 (after $attempt tries)"
}

cpu_ticks() { # PID: "utime stime" in clock ticks (fields 14 and 15 of /proc/PID/stat)
    sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12, $13 }'
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
anon_kib() { awk '/^Anonymous:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
rss_record() { # UPSTREAM WHEN
    record "{\"kind\":\"rss\",\"upstream\":\"$1\",\"when\":\"$2\",\"kib\":$(rss_kib "$GATEWAY_PID"),\"anon_kib\":$(anon_kib "$GATEWAY_PID"),\"threads\":$(thread_count "$GATEWAY_PID")}"
}
thread_count() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

CLK_TCK=$(getconf CLK_TCK)

# --- upstreams --------------------------------------------------------------------------------

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
python3 "$BENCH_DIR/graph_upstream.py" render "$BENCH_DIR/nginx.conf.template" "$WORK/nginx/nginx.conf" "$NGINX_PORT" "$WORK/nginx"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/nginx-error.log" &
STARTED_PIDS+=($!)
ACCESS_LOG=$WORK/nginx/nginx-access.log

# The phases count the simulator's whole request log and continue many conversations: keep all of
# both (a binary older than these options keeps all anyway).
SIM_KEEP_ALL=()
if "$GATEWAY_BIN" simulate --help 2>/dev/null | grep -q -- --request-log-limit; then
    SIM_KEEP_ALL=(--request-log-limit 0 --conversation-limit 0)
fi

start_simulator() { # PORT SNAPSHOTS DELAY_MS -> SIM_PID
    (cd "$WORK" && exec env -i PATH="$PATH" HOME="$WORK" "$GATEWAY_BIN" simulate --port "$1" \
        --snapshots "$2" --delay-ms "$3" --log-level warning "${SIM_KEEP_ALL[@]}") >>"$WORK/simulator.log" 2>&1 &
    SIM_PID=$!
    STARTED_PIDS+=("$SIM_PID")
    wait_http "http://127.0.0.1:$1/_sim/faults"
}

read -r -a EXTRA_ENV <<<"${GATEWAY_ENV:-}"

start_gateway() { # NAME GRAPH_BASE_URL -> GATEWAY_PID, GATEWAY_PORT
    GATEWAY_PORT=$(free_port)
    mkdir -p "$WORK/$1"
    # A clean environment and a folder without .env: only these settings apply.
    (cd "$WORK/$1" && exec env -i PATH="$PATH" HOME="$WORK/$1" HOST=127.0.0.1 PORT="$GATEWAY_PORT" \
        GRAPH_BASE_URL="$2" COPILOT_ACCESS_TOKEN=bench-token STATE_DIR="$WORK/$1/state" \
        COPILOT_MAX_CONVERSATIONS=1000000 COPILOT_TIMEZONE=UTC LOG_LEVEL="$GATEWAY_LOG_LEVEL" \
        GATEWAY_MAX_CONCURRENT_PER_KEY=0 COPILOT_MAX_CONCURRENT=100000 "${EXTRA_ENV[@]}" \
        "$GATEWAY_BIN" serve) >>"$WORK/$1/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    STARTED_PIDS+=("$GATEWAY_PID")
    wait_http "http://127.0.0.1:$GATEWAY_PORT/healthz"
}

start_floor() { # NAME GRAPH_BASE_URL -> FLOOR_PID, FLOOR_PORT
    FLOOR_PORT=$(free_port)
    mkdir -p "$WORK/$1"
    (cd "$WORK/$1" && exec env -i PATH="$PATH" HOME="$WORK/$1" "$FLOOR_BIN" --port "$FLOOR_PORT" --graph-base-url "$2") \
        >>"$WORK/$1/floor.log" 2>&1 &
    FLOOR_PID=$!
    STARTED_PIDS+=("$FLOOR_PID")
    wait_http "http://127.0.0.1:$FLOOR_PORT/"
}

stop_pid() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# --- the original Python gateway (part e) ----------------------------------------------------------

ORIGINAL_PYTHON=
original_venv() { # -> ORIGINAL_PYTHON: a venv with its requirements (made once, then reused)
    local key venv
    key=$( (cat "$ORIGINAL_GATEWAY/requirements.txt"; echo h2) | sha256sum | cut -c1-16)
    venv=$ORIGINAL_VENV/$key
    if [[ ! -f $venv/.complete ]]; then
        log "making the original gateway's venv in $venv"
        rm -rf "$venv"
        mkdir -p "$ORIGINAL_VENV"
        python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install -y python3-venv)"
        # h2 as well: its httpx.AsyncClient(http2=True) will not start without it, and its
        # requirements.txt names plain httpx.
        "$venv/bin/pip" install -q -r "$ORIGINAL_GATEWAY/requirements.txt" h2 >&2 || die "pip install failed"
        touch "$venv/.complete"
    fi
    ORIGINAL_PYTHON=$venv/bin/python
}

start_original() { # NAME GRAPH_BASE_URL -> ORIGINAL_PID, ORIGINAL_PORT
    ORIGINAL_PORT=$(free_port)
    mkdir -p "$WORK/$1"
    # Its defaults, except the time zone (ours sends UTC) and the token cache's path; no .env.
    (cd "$WORK/$1" && exec env -i PATH="$PATH" HOME="$WORK/$1" PYTHONUNBUFFERED=1 COPILOT_TIMEZONE=UTC \
        TOKEN_CACHE="$WORK/$1/token_cache.bin" \
        "$ORIGINAL_PYTHON" "$BENCH_DIR/original_gateway.py" "$ORIGINAL_GATEWAY" "$ORIGINAL_PORT" "$2") \
        >>"$WORK/$1/gateway.log" 2>&1 &
    ORIGINAL_PID=$!
    STARTED_PIDS+=("$ORIGINAL_PID")
    wait_http "http://127.0.0.1:$ORIGINAL_PORT/health"
}

# --- measuring ----------------------------------------------------------------------------------

run_wrk() { # SCRIPT CONCURRENCY URL ARGS... -> the RESULT json on stdout
    local script=$1 concurrency=$2 url=$3
    shift 3
    wrk -t1 -c"$concurrency" -d"$WRK_LIMIT" --timeout 30s -s "$BENCH_DIR/$script" "$url" -- "$@" >"$WORK/wrk.out" 2>&1 || true
    if ! grep -q '^RESULT ' "$WORK/wrk.out"; then
        cat "$WORK/wrk.out" >&2
        die "wrk gave no result ($script $*)"
    fi
    sed -n 's/^RESULT //p' "$WORK/wrk.out"
}

json_field() { # JSON NAME
    python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

upstream_mark() { # UPSTREAM: where its request record starts now
    if [[ $1 == nginx ]]; then
        wc -l <"$ACCESS_LOG"
    else
        curl -s -X DELETE -o /dev/null "$SIM_URL/_sim/requests"
        echo 0
    fi
}

upstream_counts() { # UPSTREAM MARK -> {"create":n,"chat":n,"stream":n}
    if [[ $1 == nginx ]]; then
        tail -n +"$(($2 + 1))" "$ACCESS_LOG" | python3 "$BENCH_DIR/report.py" count-log
    else
        curl -s "$SIM_URL/_sim/requests" | python3 "$BENCH_DIR/report.py" count-sim
    fi
}

RECORDING=1
record() { if [[ $RECORDING == 1 ]]; then echo "$1" >>"$RESULTS"; fi; }

# A direct phase: Graph calls sent straight to the upstream.
direct_phase() { # UPSTREAM URL CONCURRENCY CALL BUDGET ARGS...
    local upstream=$1 url=$2 concurrency=$3 call=$4 budget=$5 result
    shift 5
    [[ $upstream == sim ]] && upstream_mark sim >/dev/null
    result=$(run_wrk graph.lua "$concurrency" "$url" budget="$budget" "$@")
    record "{\"kind\":\"phase\",\"side\":\"direct\",\"upstream\":\"$upstream\",\"call\":\"$call\",\"concurrency\":$concurrency,\"wrk\":$result}"
    log "direct  $upstream c=$concurrency $call: $result"
    LAST_RESULT=$result
}

# A gateway phase, with the gateway's CPU time and the upstream calls it made. PHASE_SIDE names the
# gateway (ours, or the original, which then runs as GATEWAY_PID on GATEWAY_PORT).
PHASE_SIDE=gateway
gateway_phase() { # UPSTREAM CONCURRENCY TURN STREAM BUDGET ARGS...
    local upstream=$1 concurrency=$2 turn=$3 stream=$4 budget=$5 result mark counts
    local user_before system_before user_after system_after
    shift 5
    mark=$(upstream_mark "$upstream")
    read -r user_before system_before < <(cpu_ticks "$GATEWAY_PID")
    result=$(run_wrk openai.lua "$concurrency" "http://127.0.0.1:$GATEWAY_PORT" mode="$turn" stream="$stream" budget="$budget" "$@")
    sleep 0.5  # requests wrk left in flight at the end finish
    read -r user_after system_after < <(cpu_ticks "$GATEWAY_PID")
    counts=$(upstream_counts "$upstream" "$mark")
    local user=$((user_after - user_before)) system=$((system_after - system_before))
    record "{\"kind\":\"phase\",\"side\":\"$PHASE_SIDE\",\"upstream\":\"$upstream\",\"call\":\"${PHASE_CALL:-$turn}\",\"stream\":$stream,\"concurrency\":$concurrency,\"cpu_ticks\":$((user + system)),\"user_ticks\":$user,\"system_ticks\":$system,\"clk_tck\":$CLK_TCK,\"upstream_calls\":$counts,\"wrk\":$result}"
    log "$PHASE_SIDE $upstream c=$concurrency $turn stream=$stream: cpu=$user+$system ticks calls=$counts $result"
    LAST_RESULT=$result
}

measure_upstream() { # NAME GRAPH_URL N_AT_1 N_AT_32
    local upstream=$1 url=$2 concurrency budget captured
    start_gateway "gateway-$upstream" "$url"
    sleep 2
    rss_record "$upstream" idle
    log "gateway for $upstream idle: $(rss_kib "$GATEWAY_PID") KiB"

    # Warm-up, not measured: connections to the upstream, first use of every code path.
    RECORDING=0
    gateway_phase "$upstream" 8 first 0 500 tag=warm
    gateway_phase "$upstream" 8 first 1 500 tag=warms
    RECORDING=1
    rss_record "$upstream" warm

    for concurrency in 1 32; do
        if [[ $concurrency == 1 ]]; then budget=$3; else budget=$4; fi
        local ids=$WORK/ids-$upstream-$concurrency
        # Direct: conversations for the chats (each chat goes to its own conversation, as the
        # gateway's do), first turns, then second turns on the same conversations.
        direct_phase "$upstream" "$url" "$concurrency" create $((2 * budget)) op=create ids="$ids"
        direct_phase "$upstream" "$url" "$concurrency" chat-first "$budget" op=chat ids="$ids" offset=0
        direct_phase "$upstream" "$url" "$concurrency" chat-second "$budget" op=chat ids="$ids" offset=0
        direct_phase "$upstream" "$url" "$concurrency" stream-first "$budget" op=stream ids="$ids" offset="$budget"
        direct_phase "$upstream" "$url" "$concurrency" stream-second "$budget" op=stream ids="$ids" offset="$budget"

        local stream
        for stream in 0 1; do
            local pairs=$WORK/pairs-$upstream-$concurrency-$stream
            gateway_phase "$upstream" "$concurrency" first "$stream" "$budget" tag="$upstream$concurrency$stream" pairs="$pairs"
            captured=$(json_field "$LAST_RESULT" captured)
            # Each history once; keep the budget below the list so no connection runs out.
            gateway_phase "$upstream" "$concurrency" continue "$stream" $((captured - concurrency - 1)) pairs="$pairs"
        done
    done
    rss_record "$upstream" after
    log "gateway for $upstream after the run: $(rss_kib "$GATEWAY_PID") KiB"
    stop_pid "$GATEWAY_PID"
}

# Unmeasured first turns, non-streamed then streamed, before the phases of a server standing in for ours.
warm_up_static() { # BUDGET TAG
    RECORDING=0
    gateway_phase nginx 8 first 0 "$1" tag="$2"
    gateway_phase nginx 8 first 1 "$1" tag="$2s"
    RECORDING=1
}

# --- (e) the original gateway on the static upstream ----------------------------------------------

original_info() {
    local sha packages python
    sha=$(sha256sum "$ORIGINAL_GATEWAY/gateway.py" | cut -c1-12)
    # uvloop and httptools only if present: uvicorn picks them over asyncio and h11 when they are.
    packages=$("$ORIGINAL_PYTHON" -c 'import importlib.metadata as m, json
names = ("fastapi", "starlette", "uvicorn", "httpx", "h2", "msal", "pydantic", "uvloop", "httptools")
found = {}
for name in names:
    try:
        found[name] = m.version(name)
    except m.PackageNotFoundError:
        pass
print(json.dumps(found))')
    python=$("$ORIGINAL_PYTHON" -c 'import platform; print(platform.python_version())')
    record "{\"kind\":\"info\",\"original_sha256\":\"$sha\",\"original_python\":\"$python\",\"original_packages\":$packages,\"original_n1\":$ORIGINAL_N1,\"original_n32\":$ORIGINAL_N32}"
}

original_rss_record() { # WHEN
    record "{\"kind\":\"original_rss\",\"when\":\"$1\",\"kib\":$(rss_kib "$ORIGINAL_PID"),\"anon_kib\":$(anon_kib "$ORIGINAL_PID"),\"threads\":$(thread_count "$ORIGINAL_PID")}"
}

# Its first turns, whole and streamed, at concurrency 1 and 32, with gateway_phase (the original in
# the place of ours). It sends only the last user message, and every request here has the same
# session key (client address and User-Agent), so it creates one conversation and then reuses it.
measure_original_static() {
    local concurrency stream budget our_pid=${GATEWAY_PID:-} our_port=${GATEWAY_PORT:-}
    start_original original-nginx "http://127.0.0.1:$NGINX_PORT"
    sleep 1
    original_rss_record idle
    GATEWAY_PID=$ORIGINAL_PID GATEWAY_PORT=$ORIGINAL_PORT PHASE_SIDE=original
    warm_up_static 200 owarm
    for concurrency in 1 32; do
        if [[ $concurrency == 1 ]]; then budget=$ORIGINAL_N1; else budget=$ORIGINAL_N32; fi
        for stream in 0 1; do
            gateway_phase nginx "$concurrency" first "$stream" "$budget" tag="original$concurrency$stream"
        done
    done
    original_rss_record after
    log "original gateway after the run: $(rss_kib "$ORIGINAL_PID") KiB"
    stop_pid "$ORIGINAL_PID"
    GATEWAY_PID=$our_pid GATEWAY_PORT=$our_port PHASE_SIDE=gateway
}

# --- (f) the floor of the gateway's libraries ------------------------------------------------------

# stack-floor (bench/StackFloor) in the place of ours: the same wrk phases on the static upstream, first
# turns (create and chat) and continuing ones (`?turn=continue`: one chat in a standing conversation).
measure_floor_static() {
    local concurrency stream budget our_pid=${GATEWAY_PID:-} our_port=${GATEWAY_PORT:-}
    start_floor floor-nginx "http://127.0.0.1:$NGINX_PORT"
    GATEWAY_PID=$FLOOR_PID GATEWAY_PORT=$FLOOR_PORT PHASE_SIDE=floor
    warm_up_static 500 fwarm
    for concurrency in 1 32; do
        if [[ $concurrency == 1 ]]; then budget=$N1; else budget=$N32; fi
        for stream in 0 1; do
            gateway_phase nginx "$concurrency" first "$stream" "$budget" tag="floor$concurrency$stream"
            PHASE_CALL="continue" gateway_phase nginx "$concurrency" first "$stream" "$budget" tag="floorc$concurrency$stream" \
                path="/v1/chat/completions?turn=continue"
        done
    done
    stop_pid "$FLOOR_PID"
    GATEWAY_PID=$our_pid GATEWAY_PORT=$our_port PHASE_SIDE=gateway
}

# --- (c) streaming cost by reply size ---------------------------------------------------------------

scale_record() { # SERVER SNAPSHOTS LENGTH RESULT
    record "{\"kind\":\"scale\",\"server\":\"$1\",\"snapshots\":$2,\"length\":$3,\"result\":$4}"
    log "scale $1 snapshots=$2 length=$3: $4"
}

# One simulator per snapshot count, ours (and the original) in front of it; for each reply length,
# SCALE_N streamed first turns through each gateway, then the same stream read straight from the
# simulator (the floor). streaming.py posts a `huge` fault before each request.
measure_scale() {
    local snapshots length port url result
    for snapshots in $SCALE_SNAPSHOTS; do
        port=$(free_port)
        start_simulator "$port" "$snapshots" 0
        url=http://127.0.0.1:$port
        start_gateway "gateway-scale-$snapshots" "$url"
        if [[ -n $ORIGINAL_GATEWAY ]]; then start_original "original-scale-$snapshots" "$url"; fi
        if [[ $SKIP_FLOOR != 1 ]]; then start_floor "floor-scale-$snapshots" "$url"; fi
        sleep 1
        for length in $SCALE_LENGTHS; do
            result=$(python3 "$BENCH_DIR/streaming.py" scale --url "http://127.0.0.1:$GATEWAY_PORT" --pid "$GATEWAY_PID" \
                --sim "$url" --length "$length" --count "$SCALE_N" --warm "$SCALE_WARM" --tag "ours-$snapshots-$length")
            scale_record ours "$snapshots" "$length" "$result"
            if [[ -n $ORIGINAL_GATEWAY ]]; then
                result=$(python3 "$BENCH_DIR/streaming.py" scale --url "http://127.0.0.1:$ORIGINAL_PORT" \
                    --pid "$ORIGINAL_PID" --sim "$url" --length "$length" --count "$SCALE_N" --warm "$SCALE_WARM" \
                    --tag "original-$snapshots-$length")
                scale_record original "$snapshots" "$length" "$result"
            fi
            if [[ $SKIP_FLOOR != 1 ]]; then
                result=$(python3 "$BENCH_DIR/streaming.py" scale --raw --url "http://127.0.0.1:$FLOOR_PORT" \
                    --pid "$FLOOR_PID" --sim "$url" --length "$length" --count "$SCALE_N" --warm "$SCALE_WARM" \
                    --tag "floor-$snapshots-$length")
                scale_record stack "$snapshots" "$length" "$result"
                result=$(python3 "$BENCH_DIR/streaming.py" scale --raw --url "http://127.0.0.1:$FLOOR_PORT" \
                    --path "/v1/chat/completions?writes=end" --min-events 1 --pid "$FLOOR_PID" --sim "$url" \
                    --length "$length" --count "$SCALE_N" --warm "$SCALE_WARM" --tag "floor-reads-$snapshots-$length")
                scale_record stack-reads "$snapshots" "$length" "$result"
            fi
            result=$(python3 "$BENCH_DIR/streaming.py" floor --sim "$url" --length "$length" --count "$SCALE_N" \
                --warm "$SCALE_WARM")
            scale_record floor "$snapshots" "$length" "$result"
        done
        if [[ $SKIP_FLOOR != 1 ]]; then stop_pid "$FLOOR_PID"; fi
        stop_pid "$GATEWAY_PID"
        if [[ -n $ORIGINAL_GATEWAY ]]; then stop_pid "$ORIGINAL_PID"; fi
        stop_pid "$SIM_PID"
    done
}

# --- (d) a paced stream -------------------------------------------------------------------------------

measure_paced() {
    local port url result
    port=$(free_port)
    start_simulator "$port" "$PACED_SNAPSHOTS" "$PACED_DELAY_MS"
    url=http://127.0.0.1:$port
    start_gateway gateway-paced "$url"
    sleep 1
    log "paced stream: $PACED_N requests each way, $PACED_SNAPSHOTS snapshots ${PACED_DELAY_MS} ms apart"
    result=$(python3 "$BENCH_DIR/streaming.py" paced --url "http://127.0.0.1:$GATEWAY_PORT" --sim "$url" \
        --length "$PACED_LENGTH" --count "$PACED_N")
    record "{\"kind\":\"paced\",\"snapshots\":$PACED_SNAPSHOTS,\"delay_ms\":$PACED_DELAY_MS,\"result\":$result}"
    log "paced: $result"
    stop_pid "$GATEWAY_PID"
    stop_pid "$SIM_PID"
}

log "work folder $WORK; nginx on $NGINX_PORT"
wait_http "http://127.0.0.1:$NGINX_PORT/"
NGINX_THREADS=$(pgrep -c -P "${STARTED_PIDS[0]}" nginx || true)
record "{\"kind\":\"info\",\"nginx_workers\":${NGINX_THREADS:-1},\"n1\":$N1,\"n32\":$N32,\"sim_n1\":$SIM_N1,\"sim_n32\":$SIM_N32,\"sim_snapshots\":$SIM_SNAPSHOTS,\"sim_delay_ms\":$SIM_DELAY_MS,\"log_level\":\"$GATEWAY_LOG_LEVEL\",\"gateway_env\":\"${GATEWAY_ENV:-}\",\"streams\":$STREAMS,\"streams_hold\":$STREAMS_HOLD,\"slow_snapshots\":$SLOW_SNAPSHOTS,\"slow_delay_ms\":$SLOW_DELAY_MS}"

if [[ $SKIP_FLOOR != 1 ]]; then
    record "{\"kind\":\"info\",\"floor_binary\":\"$FLOOR_BIN\",\"floor_built\":\"$(date -u -r "$FLOOR_BIN" '+%Y-%m-%d %H:%M UTC')\"}"
fi
record "{\"kind\":\"info\",\"scale_n\":$SCALE_N,\"scale_warm\":$SCALE_WARM,\"paced_n\":$PACED_N,\"paced_length\":$PACED_LENGTH}"
if [[ -n $ORIGINAL_GATEWAY ]]; then
    original_venv
    original_info
fi

SIM_URL=
if [[ $SKIP_STATIC != 1 ]]; then
    measure_upstream nginx "http://127.0.0.1:$NGINX_PORT" "$N1" "$N32"
    if [[ -n $ORIGINAL_GATEWAY ]]; then measure_original_static; fi
    if [[ $SKIP_FLOOR != 1 ]]; then measure_floor_static; fi
fi

if [[ $SKIP_SIM != 1 ]]; then
    SIM_PORT=$(free_port)
    start_simulator "$SIM_PORT" "$SIM_SNAPSHOTS" "$SIM_DELAY_MS"
    SIM_URL=http://127.0.0.1:$SIM_PORT
    record "{\"kind\":\"info\",\"simulator_threads\":$(thread_count "$SIM_PID")}"
    measure_upstream sim "$SIM_URL" "$SIM_N1" "$SIM_N32"
    stop_pid "$SIM_PID"
fi

if [[ $SKIP_STREAMS != 1 ]]; then
    SLOW_PORT=$(free_port)
    start_simulator "$SLOW_PORT" "$SLOW_SNAPSHOTS" "$SLOW_DELAY_MS"
    start_gateway gateway-streams "http://127.0.0.1:$SLOW_PORT"
    sleep 2
    log "holding $STREAMS streams open for ${STREAMS_HOLD}s"
    streams=$(python3 "$BENCH_DIR/open_streams.py" "$GATEWAY_PORT" "$GATEWAY_PID" "$STREAMS" "$STREAMS_HOLD")
    record "{\"kind\":\"streams\",\"threads\":$(thread_count "$GATEWAY_PID"),\"result\":$streams}"
    log "open streams: $streams"
    stop_pid "$GATEWAY_PID"
    stop_pid "$SIM_PID"
fi

if [[ $SKIP_SCALE != 1 ]]; then measure_scale; fi
if [[ $SKIP_PACED != 1 ]]; then measure_paced; fi

python3 "$BENCH_DIR/report.py" write "$RESULTS" "$OUT" "$GATEWAY_BIN"
log "wrote $OUT"
