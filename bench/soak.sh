#!/usr/bin/env bash
# Endurance run (issue 16): one Outcall proxy under a mix of well-behaved, hostile and faulty clients for a while,
# its RSS, descriptors, threads and GC heap sampled every 10 s, then a report and a plot in bench/results/.
#   bench/soak.sh [minutes]        (default 30)
# Knobs (environment): RATE=5000 small GETs per second (about half the 10,974/s bench/run.sh measured in issue 16;
#   give half of your own machine's maximum) NOTE="..." (a sentence for the report, e.g. what else ran on the machine)
#   SKIP_INSTALL=1 (gnuplot already there) SKIP_BUILD=1 (Release builds already there) OUTCALL_BIN=path (another build)
#   DOTNET_GCgen0size=0x400000 DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (the runtime settings the Dockerfile and
#   deploy/outcall.service ship, bench/lib.sh; docs/PERFORMANCE.md)
# Fails (exit 1) when a well-behaved client saw an error, a hostile one was left hanging, or the log has an unhandled exception.
set -euo pipefail

MINUTES=${1:-30}
RATE=${RATE:-5000}
NOTE=${NOTE:-}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
WORK=$(mktemp -d /tmp/outcall-soak.XXXXXX)
PROXY_PID=""

log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

cleanup() {
    if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${SKIP_INSTALL:-0}" != 1 ] && ! command -v gnuplot >/dev/null; then
    log "installing gnuplot-nox (for the plot)"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q gnuplot-nox
fi
build_outcall_and_tools
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

PROXY_PORT=$(free_port)
ADMIN_PORT=$(free_port "$PROXY_PORT")
mkdir -p "$WORK/rules"
# Loopback (where the soak's upstreams live) is allowed; everything else falls to the default BLOCK.
cat >"$WORK/rules/soak.yaml" <<'RULES'
version: "1"
rules:
  - id: allow-soak-upstreams
    condition: network.hostname == "127.0.0.1"
    action: allow
    egress:
      allow_private_ips: true
RULES
cat >"$WORK/outcall.conf" <<CONF
outcall {
  proxy.max-connections = 30000
  proxy.accept-backlog = 4096
  admin.listen = "127.0.0.1:$ADMIN_PORT"
  rules.watch = off
  log { format = json, level = info }
}
CONF

env "${SHIPPED_ENV[@]}" "$OUTCALL" --listen "127.0.0.1:$PROXY_PORT" --rules-dir "$WORK/rules" --config "$WORK/outcall.conf" >"$WORK/outcall.log" 2>&1 &
PROXY_PID=$!
wait_for_port "the proxy" "$PROXY_PORT" "$WORK/outcall.log"
wait_for_port "the proxy's admin API" "$ADMIN_PORT" "$WORK/outcall.log"
log "proxy pid $PROXY_PID on 127.0.0.1:$PROXY_PORT; soaking for $MINUTES minutes at $RATE small GETs/s"

mkdir -p "$HERE/results"
NAME="soak-$(date -u +%Y-%m-%d-%H%M)"
OUT="$HERE/results/$NAME"
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')
status=0
"$LOADTOOLS" soak --proxy "127.0.0.1:$PROXY_PORT" --pid "$PROXY_PID" --metrics "http://127.0.0.1:$ADMIN_PORT/metrics" \
    --log "$WORK/outcall.log" --out "$OUT" --rate "$RATE" --minutes "$MINUTES" --commit "$COMMIT" \
    --command "RATE=$RATE bench/soak.sh $MINUTES" --note "$NOTE" >/dev/null || status=$?

gnuplot <<PLOT
set terminal pngcairo size 1000,500 font ",10"
set output "$OUT.png"
set datafile separator ","
set key bottom right
set xlabel "minutes"
set ylabel "RSS (MB)"
set y2label "open descriptors"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid
set title "Outcall soak $NAME: RSS and open descriptors (RATE=$RATE)"
plot "$OUT.csv" using (\$1/60):2 with lines lw 2 title "RSS (MB)" axes x1y1, \
     "" using (\$1/60):3 with lines lw 2 title "open descriptors" axes x1y2, \
     "" using (\$1/60):5 with lines lw 1 dt 2 title "GC heap (MB)" axes x1y1
PLOT
log "report $OUT.md, plot $OUT.png, samples $OUT.csv (proxy log kept in $WORK/outcall.log)"
exit "$status"
