#!/usr/bin/env bash
# Side-by-side benchmark: Outcall vs squid vs tinyproxy vs direct (no proxy), all on 127.0.0.1.
# One command on a fresh Debian machine (root, or a user with sudo):   bench/run.sh
# It apt-installs squid-openssl, not squid: the same squid 5.7 built with OpenSSL, which bench/intercept.sh's ssl_bump
# needs, and the two packages conflict.
# Knobs (environment): ROUNDS=3 DURATION=10 (s per wrk run, and the time bound of each ttfb run) CHURN_SECONDS=5 IDLE_TUNNELS=10000
#   LARGE_MB=512 SCENARIOS="small bulk churn ttfb idle sse" (a subset, for iterating; ttfb: time to first byte through a
#   fresh CONNECT and a full TLS handshake with nginx at concurrency 1; sse: small GETs with 5 stuck event-stream
#   subscribers vs none) TTFB_REQUESTS=1000 (iterations per ttfb run, at most) OUTCALL_BIN=path (another outcall build,
#   for before/after) SKIP_INSTALL=1 (packages already there) SKIP_BUILD=1 (Release build already there)
#   DOTNET_GCgen0size=0x400000 DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (Outcall's runtime settings as shipped, bench/lib.sh;
#   0 = the runtime's default, for before/after; VARIANT_ENV="DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0" measures one side by side)
#   VARIANT_ENV="NAME=value ..." (a lever measured side by side: one more outcall, the same build, rules and config,
#   with these variables added; small, bulk, churn and ttfb run for it right after outcall in every round, and the
#   table gains the columns "outcall (VARIANT_NAME)" and "variant / outcall") VARIANT_NAME=variant
#   VARIANT_CONFIG="HOCON line; ..." (the same for a configuration lever: lines added to the variant's config, e.g.
#   VARIANT_CONFIG="outcall.proxy.splice-pipes = 0"; with or without VARIANT_ENV)
# Prints a Markdown table of medians and saves it to bench/results/<date>.md. See docs/PERFORMANCE.md.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
CHURN_SECONDS=${CHURN_SECONDS:-5}
CHURN_WORKERS=${CHURN_WORKERS:-50}
IDLE_TUNNELS=${IDLE_TUNNELS:-10000}
LARGE_MB=${LARGE_MB:-512}
TTFB_REQUESTS=${TTFB_REQUESTS:-1000}
PROXIES=(outcall squid tinyproxy)
VARIANT_NAME=${VARIANT_NAME:-variant}
read -ra VARIANT_VARS <<<"${VARIANT_ENV:-}"
for assignment in "${VARIANT_VARS[@]}"; do
    [[ "$assignment" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "VARIANT_ENV: '$assignment' is not NAME=value" >&2; exit 2; }
done
VARIANT_CONFIG=${VARIANT_CONFIG:-}
HAS_VARIANT=""
[ "${#VARIANT_VARS[@]}" -eq 0 ] && [ -z "$VARIANT_CONFIG" ] || HAS_VARIANT=1
# The targets of the per-round scenarios: the variant next to outcall, so both see the same moment of the machine.
TARGETS=(direct outcall squid tinyproxy)
[ -z "$HAS_VARIANT" ] || TARGETS=(direct outcall outcall_variant squid tinyproxy)
SCENARIOS=" ${SCENARIOS:-small bulk churn ttfb idle sse} "
wanted() { [[ "$SCENARIOS" == *" $1 "* ]]; }

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
WORK=$(mktemp -d /tmp/outcall-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
declare -A PORT PID RESULT

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

stop_system_services() {
    # Package installs may start these as system services; the benchmark runs its own instances.
    for service in nginx squid tinyproxy; do
        $SUDO service "$service" stop >/dev/null 2>&1 || true
    done
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    stop_system_services
    rm -rf "$WORK/www"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_packages() {
    if [ "${SKIP_INSTALL:-0}" != 1 ]; then
        log "installing nginx-light squid-openssl tinyproxy wrk curl openssl"
        $SUDO apt-get update -q
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nginx-light squid-openssl tinyproxy wrk curl openssl
    fi
    stop_system_services
}

render() { # template output: replaces @WORK@ and @NAME_PORT@ placeholders
    local text
    text=$(<"$1")
    text=${text//@WORK@/$WORK}
    text=${text//@NGINX_PORT@/${PORT[nginx]}}
    text=${text//@NGINX_TLS_PORT@/${PORT[nginx_tls]}}
    text=${text//@SQUID_PORT@/${PORT[squid]}}
    text=${text//@TINYPROXY_PORT@/${PORT[tinyproxy]}}
    printf '%s\n' "$text" >"$2"
}

start_all() {
    for name in nginx nginx_tls squid tinyproxy outcall outcall_1000 outcall_variant outcall_events outcall_events_admin; do PORT[$name]=$(free_port "${PORT[@]}"); done
    mkdir -p "$WORK/www" "$WORK/run"
    chmod 1777 "$WORK/run"
    chmod 755 "$WORK/www"
    head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 >"$WORK/www/small"
    head -c "$((LARGE_MB * 1024 * 1024))" /dev/urandom >"$WORK/www/large"
    chmod 644 "$WORK/www/small" "$WORK/www/large"
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
        -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
    render "$HERE/config/nginx.conf.template" "$WORK/nginx.conf"
    render "$HERE/config/squid.conf.template" "$WORK/squid.conf"
    render "$HERE/config/tinyproxy.conf.template" "$WORK/tinyproxy.conf"
    sed -i "s#$WORK/squid.pid#$WORK/run/squid.pid#; s#$WORK/tinyproxy.pid#$WORK/run/tinyproxy.pid#" "$WORK/squid.conf" "$WORK/tinyproxy.conf"
    cp "$HERE/config/outcall.conf.template" "$WORK/outcall.conf"
    "$LOADTOOLS" rules --count 1 --out "$WORK/rules-1" >/dev/null
    "$LOADTOOLS" rules --count 1000 --out "$WORK/rules-1000" >/dev/null

    start nginx "${PORT[nginx]}" nginx -c "$WORK/nginx.conf"
    wait_for_port nginx_tls "${PORT[nginx_tls]}"
    start squid "${PORT[squid]}" squid -N -f "$WORK/squid.conf"
    start tinyproxy "${PORT[tinyproxy]}" tinyproxy -d -c "$WORK/tinyproxy.conf"
    # The runtime settings the Dockerfile and deploy/outcall.service ship (bench/lib.sh; read from the environment only).
    start outcall "${PORT[outcall]}" env "${SHIPPED_ENV[@]}" "$OUTCALL" --listen "127.0.0.1:${PORT[outcall]}" \
        --rules-dir "$WORK/rules-1" --config "$WORK/outcall.conf"
    start outcall_1000 "${PORT[outcall_1000]}" env "${SHIPPED_ENV[@]}" "$OUTCALL" --listen "127.0.0.1:${PORT[outcall_1000]}" \
        --rules-dir "$WORK/rules-1000" --config "$WORK/outcall.conf"
    if [ -n "$HAS_VARIANT" ]; then
        { cat "$WORK/outcall.conf"; tr ';' '\n' <<<"$VARIANT_CONFIG"; } >"$WORK/outcall-variant.conf"
        start outcall_variant "${PORT[outcall_variant]}" env "${SHIPPED_ENV[@]}" "${VARIANT_VARS[@]}" "$OUTCALL" \
            --listen "127.0.0.1:${PORT[outcall_variant]}" --rules-dir "$WORK/rules-1" --config "$WORK/outcall-variant.conf"
    fi
    if wanted sse; then
        # The same node with its admin listener on, for the event stream's subscribers.
        { cat "$WORK/outcall.conf"; echo "outcall.admin.listen = \"127.0.0.1:${PORT[outcall_events_admin]}\""; } >"$WORK/outcall-events.conf"
        start outcall_events "${PORT[outcall_events]}" env "${SHIPPED_ENV[@]}" "$OUTCALL" --listen "127.0.0.1:${PORT[outcall_events]}" \
            --rules-dir "$WORK/rules-1" --config "$WORK/outcall-events.conf"
    fi
}

record() { RESULT[$1|$2]="${RESULT[$1|$2]:-} $3"; }

to_ms() { # wrk latency like 812.00us / 1.23ms / 1.02s -> milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

small_gets() { # target (direct or a proxy name) metric-suffix
    local target=$1 suffix=${2:-} out
    local url="http://127.0.0.1:${PORT[nginx]}/small"
    local ticks
    ticks=$(cpu_ticks "$target")
    if [ "$target" = direct ]; then
        out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url")
    else
        out=$(TARGET=$url wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$HERE/config/wrk-proxy.lua" "http://127.0.0.1:${PORT[$target]}")
    fi
    ticks=$(( $(cpu_ticks "$target") - ticks ))
    local rps p50 p99 bad
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    bad=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' <<<"$out")
    [ "$bad" -eq 0 ] || log "WARNING: $target small GETs: $bad errors or non-2xx responses"
    record "small_rps$suffix" "$target" "$rps"
    record "small_p50$suffix" "$target" "$p50"
    record "small_p99$suffix" "$target" "$p99"
    [ "$target" = direct ] || record "small_cpu$suffix" "$target" "$(per_unit_us "$ticks" "$(awk '/requests in/ { print $1 }' <<<"$out")")"
    log "small GETs $target: $rps req/s, p50 $p50 ms, p99 $p99 ms"
}

bulk() { # target scheme
    local target=$1 scheme=$2 url proxy_args=() out
    if [ "$scheme" = https ]; then url="https://127.0.0.1:${PORT[nginx_tls]}/large"; else url="http://127.0.0.1:${PORT[nginx]}/large"; fi
    [ "$target" = direct ] || proxy_args=(-p -x "http://127.0.0.1:${PORT[$target]}")
    out=$(curl -sk --max-time 300 -o /dev/null -w '%{speed_download} %{size_download} %{http_code}' "${proxy_args[@]}" "$url" || true)
    read -r speed size code <<<"$out"
    if [ "${code:-0}" != 200 ] || [ "${size:-0}" -ne "$((LARGE_MB * 1024 * 1024))" ]; then
        log "WARNING: $target bulk $scheme failed ($out)"
        speed=0
    fi
    local mbs
    mbs=$(awk -v s="$speed" 'BEGIN { printf "%.1f", s / 1e6 }')
    record "bulk_$scheme" "$target" "$mbs"
    log "bulk $scheme $target: $mbs MB/s"
}

churn() { # target
    local target=$1 proxy=direct out
    [ "$target" = direct ] || proxy="127.0.0.1:${PORT[$target]}"
    local ticks
    ticks=$(cpu_ticks "$target")
    out=$("$LOADTOOLS" churn --proxy "$proxy" --workers "$CHURN_WORKERS" --seconds "$CHURN_SECONDS")
    local rate errors
    rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$out")
    errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$out")
    ticks=$(( $(cpu_ticks "$target") - ticks ))
    [ "$target" = direct ] || record churn_cpu "$target" "$(per_unit_us "$ticks" "$(sed -n 's/.*completed=\([0-9]*\).*/\1/p' <<<"$out")")"
    [ "$errors" -eq 0 ] || log "WARNING: $target tunnel churn: $errors errors"
    record churn "$target" "$rate"
    log "tunnel set-up $target: $out"
}

ttfb() { # target; fresh CONNECT, TLS handshake with nginx, GET /small, one at a time
    local target=$1 proxy=direct out
    [ "$target" = direct ] || proxy="127.0.0.1:${PORT[$target]}"
    out=$("$LOADTOOLS" ttfb --proxy "$proxy" --target "127.0.0.1:${PORT[nginx_tls]}" --requests "$TTFB_REQUESTS" --seconds "$DURATION")
    local count errors
    count=$(sed -n 's/.*count=\([0-9]*\).*/\1/p' <<<"$out")
    errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' <<<"$out")
    [ "$errors" -eq 0 ] || log "WARNING: $target time to first byte: $errors errors"
    if [ "$count" -gt 0 ]; then
        record ttfb_p50 "$target" "$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1/p' <<<"$out")"
        record ttfb_p99 "$target" "$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' <<<"$out")"
    fi
    log "time to first byte $target: $out"
}

stalled_subscribers() { # one side-by-side run: small GETs with no event-stream subscriber vs 5 that never read
    SSE_RESULT=$("$LOADTOOLS" sse --proxy "127.0.0.1:${PORT[outcall_events]}" --admin "127.0.0.1:${PORT[outcall_events_admin]}" \
        --target "http://127.0.0.1:${PORT[nginx]}/small" --subscribers 5 --connections "$CONNECTIONS" --seconds "$DURATION" --rounds "$ROUNDS")
    log "stuck event subscribers: $SSE_RESULT"
}

idle_tunnels() { # proxy name; measured once per proxy, on a process that has only been warmed up
    local target=$1 out
    out=$("$LOADTOOLS" idle --proxy "127.0.0.1:${PORT[$target]}" --tunnels "$IDLE_TUNNELS" --pid "${PID[$target]}")
    local per carried
    per=$(sed -n 's/.*kb_per_tunnel=\([-0-9.]*\).*/\1/p' <<<"$out")
    carried=$(sed -n 's/.*carried=\([0-9]*\).*/\1/p' <<<"$out")
    RESULT[idle_kb|$target]=" $per"
    RESULT[idle_carried|$target]=" $carried"
    log "idle tunnels $target: $out"
}


report() {
    local metric label t variant=""
    local -A med
    local rows=(
        "small_rps|Small GET, 50 conns: requests/s"
        "small_p50|Small GET: p50 latency (ms)"
        "small_p99|Small GET: p99 latency (ms)"
        "small_cpu|Small GET: proxy CPU per request (µs)"
        "bulk_http|CONNECT tunnel, plain bytes: MB/s"
        "bulk_https|CONNECT tunnel, TLS: MB/s"
        "churn|Tunnel set-up: tunnels/s"
        "churn_cpu|Tunnel set-up: proxy CPU per tunnel (µs)"
        "ttfb_p50|Fresh CONNECT + TLS, concurrency 1: TTFB p50 (ms)"
        "ttfb_p99|Fresh CONNECT + TLS, concurrency 1: TTFB p99 (ms)"
        "idle_kb|Idle tunnels: KB of proxy RSS per tunnel"
        "idle_carried|Idle tunnels still carrying data (of $IDLE_TUNNELS)"
    )
    echo "# Outcall benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)."
    echo "Versions: $(nginx -v 2>&1 | sed 's/.*: //'), $(squid -v | head -1 | sed 's/Squid Cache: Version /squid /'), $(tinyproxy -v), wrk $(wrk -v 2>&1 | head -1 | awk '{ print $2 }'), .NET $(dotnet --version), Outcall $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')."
    [ -z "$HAS_VARIANT" ] || variant="${VARIANT_ENV:+ VARIANT_ENV=\"${VARIANT_ENV}\"}${VARIANT_CONFIG:+ VARIANT_CONFIG=\"${VARIANT_CONFIG}\"} VARIANT_NAME=$VARIANT_NAME"
    echo "Command: \`ROUNDS=$ROUNDS DURATION=$DURATION CHURN_SECONDS=$CHURN_SECONDS IDLE_TUNNELS=$IDLE_TUNNELS LARGE_MB=$LARGE_MB TTFB_REQUESTS=$TTFB_REQUESTS$variant bench/run.sh\`; medians of $ROUNDS rounds (idle tunnels: one run)."
    if [ -n "$variant" ]; then
        echo "Variant column \"outcall ($VARIANT_NAME)\": the same build and rules as outcall, plus${variant% VARIANT_NAME=*}."
    fi
    echo
    # With a variant: its column after outcall's and its ratio to outcall last.
    echo "| Scenario | direct | outcall |${variant:+ outcall ($VARIANT_NAME) |} squid | tinyproxy | outcall / squid | outcall / direct | tinyproxy / squid |${variant:+ variant / outcall |}"
    echo "|---|---:|---:|${variant:+---:|}---:|---:|---:|---:|---:|${variant:+---:|}"
    for row in "${rows[@]}"; do
        metric=${row%%|*}
        label=${row#*|}
        for t in "${TARGETS[@]}"; do med[$t]=$(median "${RESULT[$metric|$t]:-}"); done
        echo "| $label | ${med[direct]} | ${med[outcall]} |${variant:+ ${med[outcall_variant]} |} ${med[squid]} | ${med[tinyproxy]} | $(ratio "${med[outcall]}" "${med[squid]}") | $(ratio "${med[outcall]}" "${med[direct]}") | $(ratio "${med[tinyproxy]}" "${med[squid]}") |${variant:+ $(ratio "${med[outcall_variant]}" "${med[outcall]}") |}"
    done
    local one thousand
    one=$(median "${RESULT[small_rps|outcall]:-}")
    thousand=$(median "${RESULT[small_rps_1000|outcall_1000]:-}")
    echo
    echo "| Rule set (Outcall, small GETs) | requests/s | p50 (ms) | p99 (ms) | CPU per request (µs) |"
    echo "|---|---:|---:|---:|---:|"
    echo "| 1 rule | $one | $(median "${RESULT[small_p50|outcall]:-}") | $(median "${RESULT[small_p99|outcall]:-}") | $(median "${RESULT[small_cpu|outcall]:-}") |"
    echo "| 1,000 rules | $thousand | $(median "${RESULT[small_p50_1000|outcall_1000]:-}") | $(median "${RESULT[small_p99_1000|outcall_1000]:-}") | $(median "${RESULT[small_cpu_1000|outcall_1000]:-}") |"
    echo
    if [ -n "${SSE_RESULT:-}" ]; then
        echo
        echo "Event stream, 5 stuck subscribers vs none (small GETs, alternating rounds): $(sed 's/errors=.*//' <<<"$SSE_RESULT")"
    fi
    echo "Cost of 1,000 rules: $(awk -v a="$one" -v b="$thousand" 'BEGIN { if (a + 0 == 0) print "-"; else printf "%.1f%%", (a - b) * 100 / a }') of small-GET throughput."
}

main() {
    install_packages
    build_outcall_and_tools
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    local fit
    fit=$(tunnels_that_fit)
    if [ "$IDLE_TUNNELS" -gt "$fit" ]; then
        log "open-file limit $(ulimit -n) fits $fit idle tunnels, not $IDLE_TUNNELS: measuring $fit"
        IDLE_TUNNELS=$fit
    fi
    start_all
    log "warming up (JIT, connection pools)"
    for t in "${TARGETS[@]:1}" outcall_1000; do
        TARGET="http://127.0.0.1:${PORT[nginx]}/small" wrk -t2 -c"$CONNECTIONS" -d3s -s "$HERE/config/wrk-proxy.lua" "http://127.0.0.1:${PORT[$t]}" >/dev/null
        "$LOADTOOLS" churn --proxy "127.0.0.1:${PORT[$t]}" --workers 8 --seconds 1 >/dev/null
    done
    if wanted idle; then for t in "${PROXIES[@]}"; do idle_tunnels "$t"; done; fi
    for round in $(seq 1 "$ROUNDS"); do
        log "round $round of $ROUNDS"
        if wanted small; then
            for t in "${TARGETS[@]}"; do small_gets "$t"; done
            small_gets outcall_1000 _1000
        fi
        if wanted bulk; then
            for t in "${TARGETS[@]}"; do bulk "$t" http; done
            for t in "${TARGETS[@]}"; do bulk "$t" https; done
        fi
        if wanted churn; then for t in "${TARGETS[@]}"; do churn "$t"; done; fi
        if wanted ttfb; then for t in "${TARGETS[@]}"; do ttfb "$t"; done; fi
    done
    if wanted sse; then stalled_subscribers; fi
    mkdir -p "$HERE/results"
    local file
    file="$HERE/results/$(date +%Y-%m-%d-%H%M).md"
    report | tee "$file"
    log "saved $file"
}

main "$@"
