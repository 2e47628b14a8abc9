# shellcheck shell=bash disable=SC2034,SC2153
# (Alone, shellcheck cannot see what the files sourced beside this one set and read: RECORDING and
# PHASE_SIDE are read by lib/measure.sh, STREAMS is set by run.sh. Checking run.sh with this file
# given too, shellcheck follows the source and sees them whole.)
# bench/run.sh's parts: (a) and (b) the short requests against an upstream, in each API dialect asked
# for, beside the same Graph calls sent directly; the open streams; (c) the streaming cost by reply
# size; (d) the paced stream; and (f) stack-floor in (a)'s phases. Sourced by run.sh after
# lib/process.sh and lib/measure.sh.

# Our gateway's phases, then the direct ones, against one upstream: for each concurrency, first turns
# and the continuing turns of their histories, whole and streamed, in each dialect of DIALECT_LIST.
measure_upstream() { # NAME GRAPH_URL N_AT_1 N_AT_32 DIALECT_LIST
    local upstream=$1 url=$2 concurrency budget captured dialect stream
    start_gateway "gateway-$upstream" "$url"
    sleep 2
    rss_record "$upstream" idle
    log "gateway for $upstream idle: $(rss_kib "$GATEWAY_PID") KiB"

    # Warm-up, not measured: connections to the upstream, first use of every code path of every dialect.
    RECORDING=0
    for dialect in $5; do
        PHASE_DIALECT=$dialect gateway_phase "$upstream" 8 first 0 500 tag="warm$dialect"
        PHASE_DIALECT=$dialect gateway_phase "$upstream" 8 first 1 500 tag="warms$dialect"
    done
    RECORDING=1
    rss_record "$upstream" warm

    for concurrency in 1 32; do
        if [[ $concurrency == 1 ]]; then budget=$3; else budget=$4; fi
        local ids=$WORK/ids-$upstream-$concurrency
        # Direct: conversations for the chats (each chat goes to its own conversation, as the
        # gateway's do), first turns, then second turns on the same conversations. The same Graph
        # calls stand beside every dialect's rows.
        direct_phase "$upstream" "$url" "$concurrency" create $((2 * budget)) op=create ids="$ids"
        direct_phase "$upstream" "$url" "$concurrency" chat-first "$budget" op=chat ids="$ids" offset=0
        direct_phase "$upstream" "$url" "$concurrency" chat-second "$budget" op=chat ids="$ids" offset=0
        direct_phase "$upstream" "$url" "$concurrency" stream-first "$budget" op=stream ids="$ids" offset="$budget"
        direct_phase "$upstream" "$url" "$concurrency" stream-second "$budget" op=stream ids="$ids" offset="$budget"

        # The dialects of one kind of request one after the other, so that they meet the same machine.
        for stream in 0 1; do
            for dialect in $5; do
                local pairs=$WORK/pairs-$upstream-$concurrency-$stream-$dialect
                PHASE_DIALECT=$dialect gateway_phase "$upstream" "$concurrency" first "$stream" "$budget" \
                    tag="$upstream$concurrency$stream$dialect" pairs="$pairs"
                captured=$(json_field "$LAST_RESULT" captured)
                # Each history once; keep the budget below the list so no connection runs out.
                PHASE_DIALECT=$dialect gateway_phase "$upstream" "$concurrency" continue "$stream" \
                    $((captured - concurrency - 1)) pairs="$pairs"
            done
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

# --- open streams (Chat Completions) ----------------------------------------------------------------

measure_open_streams() {
    local port streams
    port=$(free_port)
    start_simulator "$port" "$SLOW_SNAPSHOTS" "$SLOW_DELAY_MS"
    start_gateway gateway-streams "http://127.0.0.1:$port"
    sleep 2
    log "holding $STREAMS streams open for ${STREAMS_HOLD}s"
    streams=$(python3 "$BENCH_DIR/open_streams.py" "$GATEWAY_PORT" "$GATEWAY_PID" "$STREAMS" "$STREAMS_HOLD")
    record "{\"kind\":\"streams\",\"threads\":$(thread_count "$GATEWAY_PID"),\"result\":$streams}"
    log "open streams: $streams"
    stop_pid "$GATEWAY_PID"
    stop_pid "$SIM_PID"
}

# --- (f) the floor of the gateway's libraries ------------------------------------------------------

# stack-floor (bench/StackFloor) in the place of ours: the same wrk phases on the static upstream, first
# turns (create and chat) and continuing ones (`?turn=continue`: one chat in a standing conversation),
# with Chat Completions bodies (it reads none of them).
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

scale_record() { # SERVER SNAPSHOTS LENGTH RESULT [DIALECT]
    local dialect_field=
    if [[ -n ${5:-} ]]; then dialect_field=",\"dialect\":\"$5\""; fi
    record "{\"kind\":\"scale\",\"server\":\"$1\"$dialect_field,\"snapshots\":$2,\"length\":$3,\"result\":$4}"
    log "scale $1${5:+ $5} snapshots=$2 length=$3: $4"
}

scale() { # LENGTH ARGS...: streaming.py scale for a row of that reply length
    local length=$1
    shift
    python3 "$BENCH_DIR/streaming.py" scale --length "$length" --count "$SCALE_N" --warm "$SCALE_WARM" "$@"
}

# One simulator per snapshot count, ours (and the original) in front of it; for each reply length,
# SCALE_N streamed first turns through ours in each dialect of DIALECTS (and through the original and
# stack-floor, in Chat Completions), then the same stream read straight from the simulator (the floor).
# streaming.py posts a `huge` fault before each request.
measure_scale() {
    local snapshots length port url result dialect
    for snapshots in $SCALE_SNAPSHOTS; do
        port=$(free_port)
        start_simulator "$port" "$snapshots" 0
        url=http://127.0.0.1:$port
        start_gateway "gateway-scale-$snapshots" "$url"
        if [[ -n $ORIGINAL_GATEWAY ]]; then start_original "original-scale-$snapshots" "$url"; fi
        if [[ $SKIP_FLOOR != 1 ]]; then start_floor "floor-scale-$snapshots" "$url"; fi
        sleep 1
        for length in $SCALE_LENGTHS; do
            for dialect in $DIALECTS; do
                result=$(scale "$length" --url "http://127.0.0.1:$GATEWAY_PORT" --pid "$GATEWAY_PID" --sim "$url" \
                    --dialect "$dialect" --tag "ours-$dialect-$snapshots-$length")
                scale_record ours "$snapshots" "$length" "$result" "$dialect"
            done
            if [[ -n $ORIGINAL_GATEWAY ]]; then
                result=$(scale "$length" --url "http://127.0.0.1:$ORIGINAL_PORT" --pid "$ORIGINAL_PID" --sim "$url" \
                    --tag "original-$snapshots-$length")
                scale_record original "$snapshots" "$length" "$result"
            fi
            if [[ $SKIP_FLOOR != 1 ]]; then
                result=$(scale "$length" --raw --url "http://127.0.0.1:$FLOOR_PORT" --pid "$FLOOR_PID" --sim "$url" \
                    --tag "floor-$snapshots-$length")
                scale_record stack "$snapshots" "$length" "$result"
                result=$(scale "$length" --raw --url "http://127.0.0.1:$FLOOR_PORT" --path "/v1/chat/completions?writes=end" \
                    --min-events 1 --pid "$FLOOR_PID" --sim "$url" --tag "floor-reads-$snapshots-$length")
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

# --- (d) a paced stream (Chat Completions) ------------------------------------------------------------

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
