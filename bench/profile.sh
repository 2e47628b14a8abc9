#!/usr/bin/env bash
# CPU profile of the gateway's request path with perf (sampling, with call graphs).
#
# Usage:
#   bench/profile.sh [GATEWAY_BINARY]
#
# Runs the release gateway in front of the static nginx upstream (the one bench/run.sh uses),
# warms it up, then records four loads one after the other, each in its own perf.data:
#   nonstream-first     N non-streamed first turns     stream-first     N streamed first turns
#   nonstream-continue  N non-streamed continuing turns stream-continue  N streamed continuing turns
# (N=4000 by default, wrk at CONCURRENCY=8). For each it writes STEP.summary.txt (CPU time per
# request, by library), STEP.buckets.txt (the CPU split into kinds of work by perf_breakdown.py),
# STEP.self.txt and STEP.inclusive.txt (top functions by self and inclusive time, demangled).
# Output goes to OUT_DIR (default: a new folder under /tmp, printed at the end); about 2 minutes.
#
# valgrind's callgrind would count instructions repeatably, but valgrind 3.19 (Debian 12) cannot run
# the gateway: it cannot read Swift's DWARF 5 debug info, and with that stripped it crashes
# ("the 'impossible' happened", SIGSEGV) when libdispatch starts its threads. So this samples
# with perf's cpu-clock event (the VM has no hardware counters), 2,000 samples a second per thread.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
GATEWAY_BIN=${1:-$REPO_DIR/.build-release/release/copilot-gateway}
N=${N:-4000}
CONCURRENCY=${CONCURRENCY:-8}
FREQUENCY=${FREQUENCY:-2000}
OUT_DIR=${OUT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/copilot-profile.XXXXXX")}

demangle() { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else cat; fi; }
log() { printf '[profile %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in perf nginx wrk python3 curl; do
    command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install -y linux-perf nginx-light wrk python3 curl)"
done
[[ -x $GATEWAY_BIN ]] || die "$GATEWAY_BIN is missing: build it with swift build -c release --product copilot-gateway --scratch-path .build-release"
mkdir -p "$OUT_DIR"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/copilot-profile-work.XXXXXX")
STARTED_PIDS=()
cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # URL
    local attempt
    for attempt in $(seq 1 100); do
        if curl -s -o /dev/null "$1"; then return 0; fi
        sleep 0.1
    done
    die "nothing answers at $1 (after $attempt tries)"
}

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
python3 "$BENCH_DIR/graph_upstream.py" render "$BENCH_DIR/nginx.conf.template" "$WORK/nginx/nginx.conf" "$NGINX_PORT" "$WORK/nginx"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/nginx-error.log" &
STARTED_PIDS+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/"

GATEWAY_PORT=$(free_port)
mkdir -p "$WORK/gateway"
(cd "$WORK/gateway" && exec env -i PATH="$PATH" HOME="$WORK/gateway" HOST=127.0.0.1 PORT="$GATEWAY_PORT" \
    GRAPH_BASE_URL="http://127.0.0.1:$NGINX_PORT" COPILOT_ACCESS_TOKEN=bench-token STATE_DIR="$WORK/gateway/state" \
    COPILOT_MAX_CONVERSATIONS=1000000 COPILOT_TIMEZONE=UTC LOG_LEVEL="${GATEWAY_LOG_LEVEL:-info}" \
    GATEWAY_MAX_CONCURRENT_PER_KEY=0 COPILOT_MAX_CONCURRENT=100000 \
    "$GATEWAY_BIN" serve) >"$WORK/gateway/gateway.log" 2>&1 &
GATEWAY_PID=$!
STARTED_PIDS+=("$GATEWAY_PID")
wait_http "http://127.0.0.1:$GATEWAY_PORT/healthz"

load() { # MODE STREAM BUDGET ARGS...
    local mode=$1 stream=$2 budget=$3
    shift 3
    wrk -t1 -c"$CONCURRENCY" -d600s --timeout 30s -s "$BENCH_DIR/openai.lua" "http://127.0.0.1:$GATEWAY_PORT" -- \
        mode="$mode" stream="$stream" budget="$budget" "$@" | sed -n 's/^RESULT //p'
}

json_field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

log "warm-up"
load first 0 500 tag=warm >/dev/null
load first 1 500 tag=warms >/dev/null

for step in nonstream-first nonstream-continue stream-first stream-continue; do
    stream=0
    [[ $step == stream-* ]] && stream=1
    pairs=$WORK/pairs-$stream
    perf record -e cpu-clock -F "$FREQUENCY" -g -p "$GATEWAY_PID" -o "$OUT_DIR/$step.perf.data" >"$WORK/perf.log" 2>&1 &
    PERF_PID=$!
    sleep 0.5
    if [[ $step == *-first ]]; then
        result=$(load first "$stream" "$N" tag="p$stream" pairs="$pairs")
        first_result=$result
    else
        result=$(load continue "$stream" $(($(json_field "$first_result" captured) - CONCURRENCY - 1)) pairs="$pairs")
    fi
    kill -INT "$PERF_PID"
    wait "$PERF_PID" || true
    echo "$result" >"$OUT_DIR/$step.wrk.json"
    responses=$(json_field "$result" responses)
    # cpu-clock counts nanoseconds of CPU time.
    nanoseconds=$(perf report -i "$OUT_DIR/$step.perf.data" --stdio --sort comm 2>/dev/null | sed -n 's/^# Event count (approx.): \([0-9]*\).*/\1/p' | head -n 1)
    {
        echo "# $step: $responses requests, $(python3 -c "print('%.2f' % ($nanoseconds / 1e9))") s of gateway CPU sampled"
        echo "# CPU per request: $(python3 -c "print('%.0f' % ($nanoseconds / 1e3 / $responses))") microseconds"
    } >"$OUT_DIR/$step.summary.txt"
    perf report -i "$OUT_DIR/$step.perf.data" --stdio --no-children --sort dso -g none --percent-limit 0.5 2>/dev/null \
        | grep -v '^#' | grep -v '^$' >>"$OUT_DIR/$step.summary.txt"
    perf report -i "$OUT_DIR/$step.perf.data" --stdio --no-children --sort symbol -g none --percent-limit 0.3 2>/dev/null \
        | grep -v '^$' | demangle >"$OUT_DIR/$step.self.txt"
    perf report -i "$OUT_DIR/$step.perf.data" --stdio --children --sort symbol -g none --percent-limit 1 2>/dev/null \
        | grep -v '^$' | demangle >"$OUT_DIR/$step.inclusive.txt"
    perf script -i "$OUT_DIR/$step.perf.data" 2>/dev/null | demangle \
        | FREQUENCY=$FREQUENCY python3 "$BENCH_DIR/perf_breakdown.py" "$responses" >"$OUT_DIR/$step.buckets.txt"
    log "$step: $(head -n 2 "$OUT_DIR/$step.summary.txt" | tr '\n' ' ')"
done
log "profiles in $OUT_DIR"
echo "$OUT_DIR"
