# shellcheck shell=bash disable=SC2034
# (Alone, shellcheck cannot see what the files sourced beside this one set and read: PHASE_SIDE is
# read by lib/measure.sh. Checking run.sh with this file given too, shellcheck follows the source and
# sees them whole.)
# bench/run.sh's part (e): the original Python gateway (gateway.py of copilot-chat-gateway, run by
# uvicorn from a venv of its own) measured beside ours. Sourced by run.sh after lib/process.sh and
# lib/measure.sh; run.sh sets ORIGINAL_GATEWAY, ORIGINAL_VENV, ORIGINAL_N1 and ORIGINAL_N32.

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
# the place of ours; Chat Completions, its one dialect). It sends only the last user message, and
# every request here has the same session key (client address and User-Agent), so it creates one
# conversation and then reuses it.
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
