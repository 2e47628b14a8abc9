# shellcheck shell=bash disable=SC2034
# (Alone, shellcheck cannot see what the files sourced beside this one set and read: LAST_RESULT is
# read by lib/phases.sh. Checking run.sh with this file given too, shellcheck follows the source and
# sees them whole.)
# bench/run.sh's measuring: a wrk phase, the upstream calls it caused, and the JSON line it adds to
# RESULTS. Sourced by run.sh after lib/process.sh.

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

rss_record() { # UPSTREAM WHEN
    record "{\"kind\":\"rss\",\"upstream\":\"$1\",\"when\":\"$2\",\"kib\":$(rss_kib "$GATEWAY_PID"),\"anon_kib\":$(anon_kib "$GATEWAY_PID"),\"threads\":$(thread_count "$GATEWAY_PID")}"
}

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
# server (ours; or the original or stack-floor, which then run as GATEWAY_PID on GATEWAY_PORT);
# PHASE_DIALECT the API dialect of our gateway's requests (chat, responses or messages; the others
# are sent Chat Completions); PHASE_CALL what the record calls the turn, when not TURN.
PHASE_SIDE=gateway
PHASE_DIALECT=chat
gateway_phase() { # UPSTREAM CONCURRENCY TURN STREAM BUDGET ARGS...
    local upstream=$1 concurrency=$2 turn=$3 stream=$4 budget=$5 result mark counts line problem dialect_field=
    local user_before system_before user_after system_after
    shift 5
    mark=$(upstream_mark "$upstream")
    read -r user_before system_before < <(cpu_ticks "$GATEWAY_PID")
    result=$(run_wrk openai.lua "$concurrency" "http://127.0.0.1:$GATEWAY_PORT" dialect="$PHASE_DIALECT" mode="$turn" \
        stream="$stream" budget="$budget" "$@")
    sleep 0.5  # requests wrk left in flight at the end finish
    read -r user_after system_after < <(cpu_ticks "$GATEWAY_PID")
    counts=$(upstream_counts "$upstream" "$mark")
    local user=$((user_after - user_before)) system=$((system_after - system_before))
    if [[ $PHASE_SIDE == gateway ]]; then dialect_field=",\"dialect\":\"$PHASE_DIALECT\""; fi
    line="{\"kind\":\"phase\",\"side\":\"$PHASE_SIDE\",\"upstream\":\"$upstream\",\"call\":\"${PHASE_CALL:-$turn}\"$dialect_field,\"stream\":$stream,\"concurrency\":$concurrency,\"cpu_ticks\":$((user + system)),\"user_ticks\":$user,\"system_ticks\":$system,\"clk_tck\":$CLK_TCK,\"upstream_calls\":$counts,\"wrk\":$result}"
    record "$line"
    log "$PHASE_SIDE${dialect_field:+ $PHASE_DIALECT} $upstream c=$concurrency $turn stream=$stream: cpu=$user+$system ticks calls=$counts $result"
    # A first turn makes 2 upstream calls, a continuing one 1: anything else is not the turn it claims.
    problem=$(python3 "$BENCH_DIR/report.py" check-calls "$line")
    if [[ -n $problem ]]; then log "warning: upstream calls not those of the turns: $problem"; fi
    LAST_RESULT=$result
}
