# Shared by bench/run.sh, bench/soak.sh, bench/memory.sh and bench/intercept.sh (sourced; they define log, HERE and REPO first).

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A free port below the ephemeral range, in use by nobody and not one of the ports given.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 12000))
        [[ " $* " == *" $port "* ]] && continue
        port_in_use "$port" || { echo "$port"; return; }
    done
}

# Builds Outcall and the load tools in Release unless SKIP_BUILD=1; sets OUTCALL (OUTCALL_BIN when given) and LOADTOOLS.
build_outcall_and_tools() {
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        log "building Outcall and the load tools (Release)"
        dotnet build "$REPO/src/Outcall.Host" -c Release -nologo -v q
        dotnet build "$HERE/Outcall.LoadTools" -c Release -nologo -v q
    fi
    OUTCALL=${OUTCALL_BIN:-$REPO/src/Outcall.Host/bin/Release/net10.0/outcall}
    LOADTOOLS="$HERE/Outcall.LoadTools/bin/Release/net10.0/Outcall.LoadTools"
}

# Median of space-separated numbers ("-" for none); bench/run.sh and bench/intercept.sh report medians of rounds.
TICKS=$(getconf CLK_TCK)

# Waits up to 30 s for 127.0.0.1:PORT to accept; otherwise prints OUTPUT (the server's, when given) and exits 1.
wait_for_port() { # name port [output file]
    local name=$1 port=$2 output=${3:-} tries=0
    until port_in_use "$port"; do
        tries=$((tries + 1))
        if [ "$tries" -gt 300 ]; then
            log "$name did not listen on $port within 30 s"
            [ -z "$output" ] || cat "$output" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# Starts a server in the background, its output in $WORK/NAME.out, its pid in PID[NAME] and PIDS (the caller's
# cleanup stops them), and waits for its port.
start() { # name port command...
    local name=$1 port=$2
    shift 2
    "$@" >"$WORK/$name.out" 2>&1 &
    PID[$name]=$!
    PIDS+=($!)
    wait_for_port "$name" "$port" "$WORK/$name.out"
    log "$name listening on 127.0.0.1:$port (pid ${PID[$name]})"
}

cpu_ticks() { # name: user + system CPU ticks of a process start() ran (0 for direct)
    if [ "$1" = direct ]; then echo 0; else awk '{ print $14 + $15 }' "/proc/${PID[$1]}/stat"; fi
}

per_unit_us() { # ticks count: microseconds of CPU per unit ("-" when there were none)
    awk -v t="$1" -v n="$2" -v hz="$TICKS" 'BEGIN { if (n + 0 == 0) print "-"; else printf "%.1f", t * 1e6 / hz / n }'
}

median() {
    tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Held tunnels the open-file limit fits. Each costs each process two descriptors at most, and Outcall keeps about 420 of
# its own out of its connection budget (~220 open at start, 128 headroom, 64 for splice pipes; Proxy/OpenFileLimit.cs),
# so the proxy's budget is what binds: more tunnels than this would measure its 503s, not its memory.
tunnels_that_fit() { echo $(( ($(ulimit -n) - 500) / 2 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

# The runtime settings Outcall ships with (Dockerfile, deploy/outcall.service); the runtime reads them from the
# environment only. Override either for a before/after run (0 = the runtime's default).
GEN0SIZE=${DOTNET_GCgen0size:-0x400000}
INLINE_COMPLETIONS=${DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS:-1}
SHIPPED_ENV=(DOTNET_GCgen0size="$GEN0SIZE" DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS="$INLINE_COMPLETIONS")
