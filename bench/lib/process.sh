# shellcheck shell=bash disable=SC2034,SC2153
# (Alone, shellcheck cannot see what the files sourced beside this one set and read: ACCESS_LOG is
# read by lib/measure.sh, GATEWAY_BIN and FLOOR_BIN are set by run.sh. Checking run.sh with this file
# given too, shellcheck follows the source and sees them whole.)
# bench/run.sh's process control: logging, ports, waiting for a server, a process's CPU and memory,
# and starting and stopping the servers a run measures (the simulator, our gateway, stack-floor).
# Sourced by run.sh, which sets BENCH_DIR, WORK, GATEWAY_BIN, FLOOR_BIN and GATEWAY_LOG_LEVEL first;
# every process started is added to STARTED_PIDS, which cleanup ends.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

STARTED_PIDS=()

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n ${RAW:-} && -f ${RESULTS:-} ]]; then cp "$RESULTS" "$RAW"; fi
    if [[ -n ${WORK:-} ]]; then rm -rf "$WORK"; fi
}

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
thread_count() { awk '/^Threads:/ { print $2 }' "/proc/$1/status"; }

# The phases count the simulator's whole request log and continue many conversations: keep all of
# both (a binary older than these options keeps all anyway).
SIM_KEEP_ALL=()
sim_keep_all() {
    if "$GATEWAY_BIN" simulate --help 2>/dev/null | grep -q -- --request-log-limit; then
        SIM_KEEP_ALL=(--request-log-limit 0 --conversation-limit 0)
    fi
}

start_nginx() { # -> NGINX_PORT, ACCESS_LOG: the static Graph upstream
    NGINX_PORT=$(free_port)
    mkdir -p "$WORK/nginx"
    python3 "$BENCH_DIR/graph_upstream.py" render "$BENCH_DIR/nginx.conf.template" "$WORK/nginx/nginx.conf" "$NGINX_PORT" "$WORK/nginx"
    nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/nginx-error.log" &
    NGINX_PID=$!
    STARTED_PIDS+=("$NGINX_PID")
    ACCESS_LOG=$WORK/nginx/nginx-access.log
}

start_simulator() { # PORT SNAPSHOTS DELAY_MS -> SIM_PID
    (cd "$WORK" && exec env -i PATH="$PATH" HOME="$WORK" "$GATEWAY_BIN" simulate --port "$1" \
        --snapshots "$2" --delay-ms "$3" --log-level warning "${SIM_KEEP_ALL[@]}") >>"$WORK/simulator.log" 2>&1 &
    SIM_PID=$!
    STARTED_PIDS+=("$SIM_PID")
    wait_http "http://127.0.0.1:$1/_sim/faults"
}

start_gateway() { # NAME GRAPH_BASE_URL -> GATEWAY_PID, GATEWAY_PORT
    local extra_env=()
    read -r -a extra_env <<<"${GATEWAY_ENV:-}"
    GATEWAY_PORT=$(free_port)
    mkdir -p "$WORK/$1"
    # A clean environment and a folder without .env: only these settings apply.
    (cd "$WORK/$1" && exec env -i PATH="$PATH" HOME="$WORK/$1" HOST=127.0.0.1 PORT="$GATEWAY_PORT" \
        GRAPH_BASE_URL="$2" COPILOT_ACCESS_TOKEN=bench-token STATE_DIR="$WORK/$1/state" \
        COPILOT_MAX_CONVERSATIONS=1000000 COPILOT_TIMEZONE=UTC LOG_LEVEL="$GATEWAY_LOG_LEVEL" \
        GATEWAY_MAX_CONCURRENT_PER_KEY=0 COPILOT_MAX_CONCURRENT=100000 "${extra_env[@]}" \
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
