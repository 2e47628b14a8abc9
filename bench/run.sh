#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark of copilot-gateway's own cost: the release-built gateway in front of
#   (a) a static Graph upstream that costs nearly nothing (nginx answering the three Graph
#       endpoints with fixed bodies, see graph_upstream.py), in each of the gateway's API dialects
#       (DIALECTS: OpenAI Chat Completions, the OpenAI Responses API, the Anthropic Messages API), and
#   (b) the built-in simulator (`copilot-gateway simulate`), in Chat Completions only,
# each compared in the same run with the same Graph calls sent straight to that upstream (the direct
# baseline has no dialect: each dialect's rows stand beside the same Graph calls); then
#   (c) the gateway's CPU per streamed request for replies of 5,000 to 40,000 characters in 10 to 400
#       snapshots, in each dialect of DIALECTS, beside the CPU a minimal client spends merely reading
#       the same stream (the floor),
#   (d) the time to the first content and the gaps between chunks of a paced stream (64 snapshots
#       20 ms apart), through the gateway (Chat Completions) and straight from the simulator, and,
#       when ORIGINAL_GATEWAY is set,
#   (e) the original Python gateway (gateway.py of copilot-chat-gateway, run by uvicorn) measured the
#       same way beside ours: in the static-upstream phases (first turns) and in the table of (c); it
#       speaks Chat Completions only, and is set beside our Chat Completions rows; and
#   (f) the floor of the gateway's libraries: stack-floor (bench/StackFloor), a relay on Hummingbird and
#       AsyncHTTPClient set up as the gateway sets them up, making the same Graph calls and one small
#       write per read but doing none of the gateway's work, measured in the phases of (a) and the rows
#       of (c) with Chat Completions bodies; every dialect's rows have their ratio to it. No gateway on
#       these libraries costs less, so (f) shows which targets tuning cannot reach.
# The open-streams test holds many streamed chat completions (Chat Completions only).
#
# Usage:
#   bench/run.sh [GATEWAY_BINARY]
#
#   GATEWAY_BINARY defaults to .build-release/release/copilot-gateway, which is built when
#   missing (or, with BUILD=1, brought up to date with the working tree first) by
#   `swift build -c release --product copilot-gateway --scratch-path .build-release`.
#   Needs nginx, wrk and python3 (Debian: apt-get install -y nginx-light wrk python3 python3-venv).
#   With DIALECTS=chat and no other settings the whole run takes about 12 minutes (15 with
#   ORIGINAL_GATEWAY); each further dialect adds its phases of (a) and its rows of (c). It writes
#   bench/RESULTS.md.
#
# Settings (environment):
#   BUILD=1                    rebuild the default binary from the working tree first (incremental)
#   DIALECTS="chat responses messages"   the API dialects of (a) and (c): chat (POST /v1/chat/completions),
#                              responses (POST /v1/responses), messages (POST /v1/messages)
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
# What is measured (see RESULTS.md for the method): for non-streamed and streamed requests in each
# dialect, first turns (the gateway creates a conversation, then chats: 2 upstream calls) and
# continuing turns (the history, sent in the dialect's own form with the assistant's reply exactly as
# the gateway returned it, continues a known conversation: 1 upstream call), at concurrency 1 and 32:
# p50/p99 latency through the gateway and direct, requests per second, the gateway's CPU seconds
# per 1,000 requests (utime+stime from /proc/PID/stat), and its RSS idle, after the run and with
# STREAMS streams open at once. The upstream's own request count checks each phase's calls per turn
# (a warning in the log and a sentence under each table when they are off). Parts (c) and (d) send one
# streamed request at a time from streaming.py (Python's http.client) and read the gateway's CPU time
# from its process CPU clock (nanoseconds, all threads). The gateway's own admission limits are lifted
# (GATEWAY_MAX_CONCURRENT_PER_KEY=0, COPILOT_MAX_CONCURRENT=100000), so they are not what is
# measured; everything else keeps its default. The load generator is wrk (one thread) with openai.lua
# (each dialect's bodies and answers in dialects.lua) and graph.lua. Not part of CI (but shellchecked
# there). bench/profile.sh profiles the same request path with perf.
#
# The work is in bench/lib/: process.sh (logging, ports, starting and stopping the servers),
# measure.sh (a wrk phase and its record), phases.sh (the parts above) and original.sh (part (e));
# bench/report.py (bench/reporting/) writes the report.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
GATEWAY_BIN=${1:-$REPO_DIR/.build-release/release/copilot-gateway}
DIALECTS=${DIALECTS:-chat responses messages}
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

# shellcheck source=lib/process.sh
source "$BENCH_DIR/lib/process.sh"
# shellcheck source=lib/measure.sh
source "$BENCH_DIR/lib/measure.sh"
# shellcheck source=lib/phases.sh
source "$BENCH_DIR/lib/phases.sh"
# shellcheck source=lib/original.sh
source "$BENCH_DIR/lib/original.sh"

for tool in nginx wrk python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install -y nginx-light wrk python3 curl)"
done
for dialect in $DIALECTS; do
    [[ $dialect == chat || $dialect == responses || $dialect == messages ]] ||
        die "DIALECTS=\"$DIALECTS\": each must be chat, responses or messages"
done
[[ -n ${DIALECTS// /} ]] || die "DIALECTS is empty: name at least one of chat, responses and messages"

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
trap cleanup EXIT
trap 'exit 130' INT TERM

CLK_TCK=$(getconf CLK_TCK)
sim_keep_all
start_nginx
log "work folder $WORK; nginx on $NGINX_PORT"
wait_http "http://127.0.0.1:$NGINX_PORT/"
NGINX_WORKERS=$(pgrep -c -P "$NGINX_PID" nginx || true)
read -r -a dialect_list <<<"$DIALECTS"
dialects_json=$(printf '"%s",' "${dialect_list[@]}")
record "{\"kind\":\"info\",\"nginx_workers\":${NGINX_WORKERS:-1},\"n1\":$N1,\"n32\":$N32,\"sim_n1\":$SIM_N1,\"sim_n32\":$SIM_N32,\"sim_snapshots\":$SIM_SNAPSHOTS,\"sim_delay_ms\":$SIM_DELAY_MS,\"log_level\":\"$GATEWAY_LOG_LEVEL\",\"gateway_env\":\"${GATEWAY_ENV:-}\",\"streams\":$STREAMS,\"streams_hold\":$STREAMS_HOLD,\"slow_snapshots\":$SLOW_SNAPSHOTS,\"slow_delay_ms\":$SLOW_DELAY_MS,\"dialects\":[${dialects_json%,}]}"
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
    measure_upstream nginx "http://127.0.0.1:$NGINX_PORT" "$N1" "$N32" "$DIALECTS"
    if [[ -n $ORIGINAL_GATEWAY ]]; then measure_original_static; fi
    if [[ $SKIP_FLOOR != 1 ]]; then measure_floor_static; fi
fi

if [[ $SKIP_SIM != 1 ]]; then
    SIM_PORT=$(free_port)
    start_simulator "$SIM_PORT" "$SIM_SNAPSHOTS" "$SIM_DELAY_MS"
    SIM_URL=http://127.0.0.1:$SIM_PORT
    record "{\"kind\":\"info\",\"simulator_threads\":$(thread_count "$SIM_PID")}"
    measure_upstream sim "$SIM_URL" "$SIM_N1" "$SIM_N32" chat
    stop_pid "$SIM_PID"
fi

if [[ $SKIP_STREAMS != 1 ]]; then measure_open_streams; fi
if [[ $SKIP_SCALE != 1 ]]; then measure_scale; fi
if [[ $SKIP_PACED != 1 ]]; then measure_paced; fi

python3 "$BENCH_DIR/report.py" write "$RESULTS" "$OUT" "$GATEWAY_BIN"
log "wrote $OUT"
