#!/usr/bin/env bash
# TLS interception benchmark (issue 14): intercepted HTTPS GETs of nginx's 1 KiB /small through Outcall
# (`egress: { mode: intercept }`) and through squid's ssl_bump (Debian's squid-openssl) in the same run, with two
# references: `direct` (TLS straight to nginx) and Outcall's plain CONNECT tunnel (TLS end to end, unread).
# One command on a fresh Debian machine (root, or a user with sudo):   bench/intercept.sh
# Scenarios, per round, for every target: one keep-alive connection (1 client looping GETs over one CONNECT + TLS);
#   CONNECTIONS keep-alive connections; a new connection per request (TCP + CONNECT + TLS + GET + close, full
#   handshakes, no TLS resumption) from NEW_WORKERS clients. Requests/s, p99 and the proxy's CPU per request
#   (/proc/PID/stat, like bench/run.sh).
#   Then memory per intercepted tunnel: TUNNELS connections, each after its handshakes and one GET, held open;
#   proxy RSS delta / TUNNELS, like bench/run.sh's idle-tunnel row (measured once, on a warmed-up process).
# Both proxies mint leaves from one CA (`outcall ca init`), which the client trusts alone, and verify nginx
#   against the system store plus nginx's self-signed certificate; before measuring, the script checks both
#   intercept (the client sees a leaf of that CA) and both refuse an origin whose certificate nothing trusts.
# Knobs (environment): ROUNDS=3 (medians) DURATION=10 (s per run) CONNECTIONS=50 NEW_WORKERS=8 TUNNELS=2000
#   OUTCALL_BIN=path (another outcall build) SKIP_INSTALL=1 (packages already there) SKIP_BUILD=1 (Release build there)
#   DOTNET_GCgen0size=0x400000 DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (Outcall's runtime settings as shipped, bench/lib.sh) KEEP=1 (leave the work directory: configurations, logs)
# Errors (refused tunnels, failed handshakes, non-200s, timeouts) are counted and reported, never counted as requests.
# Prints a Markdown table and saves it to bench/results/intercept-<date>.md. See docs/PERFORMANCE.md.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
NEW_WORKERS=${NEW_WORKERS:-8}
TUNNELS=${TUNNELS:-2000}
TARGETS=(direct outcall squid outcall_plain)

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
WORK=$(mktemp -d /tmp/outcall-intercept.XXXXXX)
chmod 755 "$WORK"
PIDS=()
declare -A PORT PID RESULT

log() { printf '[intercept %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

stop_system_services() {
    # Package installs may start these as system services; the benchmark runs its own instances.
    for service in nginx squid; do $SUDO service "$service" stop >/dev/null 2>&1 || true; done
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

install_packages() {
    if [ "${SKIP_INSTALL:-0}" != 1 ]; then
        # squid-openssl, never squid: only the OpenSSL build has ssl_bump, and the two packages conflict.
        log "installing nginx-light squid-openssl curl openssl"
        $SUDO apt-get update -q
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nginx-light squid-openssl curl openssl
        stop_system_services
    fi
}

render() { # template -> stdout
    sed -e "s#@WORK@#$WORK#g" -e "s#@NGINX_PORT@#${PORT[nginx]}#g" -e "s#@NGINX_TLS_PORT@#${PORT[nginx_tls]}#g" \
        -e "s#@SQUID_PORT@#${PORT[squid]} $SQUID_BUMP#g" -e "s#@ORIGIN_CERT@#$WORK/cert.pem#g" "$1"
}

allow_loopback_rule() { # mode
    printf 'version: "1"\nrules:\n  - id: origin\n    condition: network.hostname == "127.0.0.1"\n    action: allow\n    egress:\n      mode: %s\n      allow_private_ips: true\n' "$1"
}

start_all() {
    for name in nginx nginx_tls untrusted squid outcall outcall_plain; do PORT[$name]=$(free_port "${PORT[@]}"); done
    mkdir -p "$WORK/www" "$WORK/run" "$WORK/rules-intercept" "$WORK/rules-plain"
    chmod 1777 "$WORK/run"
    chmod 755 "$WORK/www"
    head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 >"$WORK/www/small"
    chmod 644 "$WORK/www/small"
    # The origin's certificate names its address (an IP SAN: clients check names against SANs only).
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 \
        -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 1 \
        -keyout "$WORK/untrusted-key.pem" -out "$WORK/untrusted.pem" >/dev/null 2>&1
    chmod 644 "$WORK/cert.pem"
    "$OUTCALL" ca init --dir "$WORK/ca" >/dev/null
    SQUID_BUMP="ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=16MB tls-cert=$WORK/ca/ca.crt tls-key=$WORK/ca/ca.key"
    render "$HERE/config/nginx.conf.template" >"$WORK/nginx.conf"
    { render "$HERE/config/squid.conf.template"; render "$HERE/config/squid-bump.conf.template"; } >"$WORK/squid.conf"
    sed -i "s#$WORK/squid.pid#$WORK/run/squid.pid#" "$WORK/squid.conf"
    /usr/lib/squid/security_file_certgen -c -s "$WORK/ssl_db" -M 16MB >/dev/null
    # squid started as root runs as Debian's cache_effective_user; its certificate helpers write the database.
    if [ "$(id -u)" -eq 0 ]; then chown -R proxy:proxy "$WORK/ssl_db"; fi
    { cat "$HERE/config/outcall.conf.template"
      printf 'outcall.intercept { ca-cert = "%s", ca-key = "%s", upstream-trust = ["%s"] }\n' "$WORK/ca/ca.crt" "$WORK/ca/ca.key" "$WORK/cert.pem"
    } >"$WORK/outcall.conf"
    allow_loopback_rule intercept >"$WORK/rules-intercept/origin.yaml"
    allow_loopback_rule proxy >"$WORK/rules-plain/origin.yaml"

    start nginx "${PORT[nginx_tls]}" nginx -c "$WORK/nginx.conf"
    start untrusted "${PORT[untrusted]}" openssl s_server -quiet -www -accept "127.0.0.1:${PORT[untrusted]}" \
        -cert "$WORK/untrusted.pem" -key "$WORK/untrusted-key.pem"
    start squid "${PORT[squid]}" squid -N -f "$WORK/squid.conf"
    start outcall "${PORT[outcall]}" env "${SHIPPED_ENV[@]}" "$OUTCALL" --listen "127.0.0.1:${PORT[outcall]}" \
        --rules-dir "$WORK/rules-intercept" --config "$WORK/outcall.conf"
    start outcall_plain "${PORT[outcall_plain]}" env "${SHIPPED_ENV[@]}" "$OUTCALL" --listen "127.0.0.1:${PORT[outcall_plain]}" \
        --rules-dir "$WORK/rules-plain" --config "$HERE/config/outcall.conf.template"
}

proxy_of() { if [ "$1" = direct ]; then echo direct; else echo "127.0.0.1:${PORT[$1]}"; fi; }

# What the client trusts: the benchmark's CA when the proxy intercepts, nginx's own certificate otherwise.
anchor_of() { case $1 in outcall | squid) echo "$WORK/ca/ca.crt" ;; *) echo "$WORK/cert.pem" ;; esac; }

curl_through() { # target url -> http code (000 when the transfer failed)
    local proxy_args=()
    [ "$1" = direct ] || proxy_args=(-p -x "http://$(proxy_of "$1")")
    curl -s --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$(anchor_of "$1")" "${proxy_args[@]}" "$2" || true
}

check_setup() {
    local t code
    for t in "${TARGETS[@]}"; do
        code=$(curl_through "$t" "https://127.0.0.1:${PORT[nginx_tls]}/small")
        [ "$code" = 200 ] || { log "$t: GET /small gave $code, not 200 (cannot measure it)"; exit 1; }
    done
    # Trusting only the CA, a 200 through outcall and squid means they intercepted; now an origin nobody trusts
    # (which does answer a client trusting its certificate, so a refusal below is the proxy's verification).
    code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' --cacert "$WORK/untrusted.pem" "https://127.0.0.1:${PORT[untrusted]}/" || true)
    [ "$code" = 200 ] || { log "the untrusted origin does not answer ($code)"; exit 1; }
    for t in outcall squid; do
        code=$(curl_through "$t" "https://127.0.0.1:${PORT[untrusted]}/")
        [ "$code" != 200 ] || { log "$t relayed an origin whose certificate fails verification: not measuring"; exit 1; }
        log "$t intercepts, and refuses an unverifiable origin ($code)"
    done
}

record() { [ "$3" = - ] || RESULT[$1|$2]="${RESULT[$1|$2]:-} $3"; } # "-": no request succeeded (the errors row says why)

field() { sed -n "s/.*\b$1=\([-0-9.a-zA-Z]*\).*/\1/p" <<<"$2"; }

requests() { # target metric mode connections
    local target=$1 metric=$2 mode=$3 connections=$4 ticks out count errors
    ticks=$(cpu_ticks "$target")
    out=$("$LOADTOOLS" https --proxy "$(proxy_of "$target")" --target "127.0.0.1:${PORT[nginx_tls]}" --ca "$(anchor_of "$target")" \
        --mode "$mode" --connections "$connections" --seconds "$DURATION")
    ticks=$(( $(cpu_ticks "$target") - ticks ))
    count=$(field count "$out")
    errors=$(field errors "$out")
    record "${metric}_rps" "$target" "$(field rps "$out")"
    record "${metric}_p99" "$target" "$(field p99_ms "$out")"
    [ "$target" = direct ] || record "${metric}_cpu" "$target" "$(per_unit_us "$ticks" "$count")"
    RESULT[errors|$target]=$(( ${RESULT[errors|$target]:-0} + errors ))
    [ "$errors" -eq 0 ] || log "WARNING: $target $metric: $errors errors"
    log "$metric $target: $out"
}

held_tunnels() { # target; once per proxy, on a warmed-up process
    local target=$1 out
    out=$("$LOADTOOLS" https-idle --proxy "$(proxy_of "$target")" --target "127.0.0.1:${PORT[nginx_tls]}" --ca "$(anchor_of "$target")" \
        --tunnels "$TUNNELS" --pid "${PID[$target]}")
    RESULT[held_kb|$target]=" $(field kb_per_tunnel "$out")"
    RESULT[held_carried|$target]=" $(field carried "$out")"
    log "held tunnels $target: $out"
}

report() {
    local metric label t
    local -A med
    local rows=(
        "one_rps|One keep-alive connection: requests/s"
        "one_p99|One keep-alive connection: p99 (ms)"
        "one_cpu|One keep-alive connection: proxy CPU per request (µs)"
        "many_rps|$CONNECTIONS keep-alive connections: requests/s"
        "many_p99|$CONNECTIONS keep-alive connections: p99 (ms)"
        "many_cpu|$CONNECTIONS keep-alive connections: proxy CPU per request (µs)"
        "new_rps|New connection per request, $NEW_WORKERS clients: requests/s"
        "new_p99|New connection per request: p99 (ms)"
        "new_cpu|New connection per request: proxy CPU per request (µs)"
        "held_kb|Held tunnels: KB of proxy RSS per tunnel"
        "held_carried|Held tunnels still answering (of $TUNNELS)"
        "errors|Errors, all runs (refused, failed handshakes, non-200s, timeouts)"
    )
    echo "# Outcall TLS interception benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)."
    echo "Versions: $(nginx -v 2>&1 | sed 's/.*: //'), $(squid -v | head -1 | sed 's/Squid Cache: Version /squid /') (squid-openssl), $(openssl version | awk '{ print "OpenSSL " $2 }'), .NET $(dotnet --version), Outcall $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')."
    echo "Command: \`ROUNDS=$ROUNDS DURATION=$DURATION CONNECTIONS=$CONNECTIONS NEW_WORKERS=$NEW_WORKERS TUNNELS=$TUNNELS bench/intercept.sh\`; medians of $ROUNDS rounds (held tunnels: one run)."
    echo "GET of a 1 KiB file from nginx over TLS; outcall and squid intercept with one CA, \`outcall plain tunnel\` is an Outcall CONNECT tunnel without interception. Squid's CPU excludes its certificate helpers (they only mint)."
    echo
    echo "| Scenario | direct | outcall | squid | outcall plain tunnel | outcall / squid | outcall / plain tunnel |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for row in "${rows[@]}"; do
        metric=${row%%|*}
        label=${row#*|}
        for t in "${TARGETS[@]}"; do med[$t]=$(median "${RESULT[$metric|$t]:-}"); done
        echo "| $label | ${med[direct]} | ${med[outcall]} | ${med[squid]} | ${med[outcall_plain]} | $(ratio "${med[outcall]}" "${med[squid]}") | $(ratio "${med[outcall]}" "${med[outcall_plain]}") |"
    done
}

main() {
    install_packages
    stop_system_services
    build_outcall_and_tools
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    local fit
    fit=$(tunnels_that_fit)
    if [ "$TUNNELS" -gt "$fit" ]; then
        log "open-file limit $(ulimit -n) fits $fit held tunnels, not $TUNNELS: measuring $fit"
        TUNNELS=$fit
    fi
    start_all
    check_setup
    log "warming up (JIT, leaf caches, connection pools)"
    local t
    for t in outcall squid outcall_plain; do
        for mode in keepalive new; do
            "$LOADTOOLS" https --proxy "$(proxy_of "$t")" --target "127.0.0.1:${PORT[nginx_tls]}" --ca "$(anchor_of "$t")" \
                --mode "$mode" --connections 8 --seconds 2 >/dev/null
        done
    done
    for t in outcall squid outcall_plain; do held_tunnels "$t"; done
    for round in $(seq 1 "$ROUNDS"); do
        log "round $round of $ROUNDS"
        for t in "${TARGETS[@]}"; do requests "$t" one keepalive 1; done
        for t in "${TARGETS[@]}"; do requests "$t" many keepalive "$CONNECTIONS"; done
        for t in "${TARGETS[@]}"; do requests "$t" new new "$NEW_WORKERS"; done
    done
    mkdir -p "$HERE/results"
    local file
    file="$HERE/results/intercept-$(date +%Y-%m-%d-%H%M).md"
    report | tee "$file"
    log "saved $file"
}

main "$@"
