#!/usr/bin/env bash
# Memory at rest (issue 16): resident memory of the outcall process at start and after bench/run.sh's warm-up
# (3 s of small GETs from 50 clients, 1 s of tunnel churn), for GC, JIT and node settings side by side in one run.
#   bench/memory.sh                 ROUNDS=3 (interleaved; medians)  SKIP_BUILD=1  OUTCALL_BIN=path (another build)
#                                   SINGLE_BIN=path (the README's self-contained single file; published when absent)
#                                   BEFORE_BIN=path (an older build, measured as "before"; left out when absent)
# Each candidate is a build with DOTNET_* variables, which the runtime reads like the runtimeconfig properties
# of the same name (System.GC.ConserveMemory = DOTNET_GCConserveMemory, ...), and HOCON lines added to the node's
# config. Prints a Markdown table and saves it to bench/results/memory-<date>.md. RSS is less sensitive to a busy
# machine than throughput.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
WORK=$(mktemp -d /tmp/outcall-memory.XXXXXX)
PROXY_PID=""

log() { printf '[memory %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
cleanup() { if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

field_mb() { awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$PROXY_PID/status"; }

build_outcall_and_tools
SINGLE_BIN=${SINGLE_BIN:-}
if [ -z "$SINGLE_BIN" ]; then
    log "publishing the self-contained single file (the README's command) into $WORK/single"
    mkdir -p "$WORK/src-single"
    cp -r "$REPO/Directory.Build.props" "$REPO/Directory.Packages.props" "$REPO/src" "$WORK/src-single/"
    find "$WORK/src-single" -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
    dotnet publish "$WORK/src-single/src/Outcall.Host" -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -p:DebugType=none \
        -nologo -v q -o "$WORK/single" >/dev/null
    SINGLE_BIN=$WORK/single/outcall
fi

mkdir -p "$WORK/rules"
printf 'version: "1"\nrules:\n  - id: allow-loopback\n    condition: network.hostname == "127.0.0.1"\n    action: allow\n    egress:\n      allow_private_ips: true\n' >"$WORK/rules/r.yaml"
printf 'outcall { admin.listen = "", rules.watch = off, log.level = warning }\n' >"$WORK/outcall.conf"

# name|binary|environment (space-separated VAR=value)|HOCON added to the config
GEN0="${SHIPPED_ENV[*]}"
CANDIDATES=(
    "shipped: idle trim, gen0size 4 MB, inline socket completions|$OUTCALL|$GEN0|"
    "idle trim off|$OUTCALL|$GEN0|outcall.memory.idle-trim = off"
    "TieredPGO off|$OUTCALL|$GEN0 DOTNET_TieredPGO=0|"
    "runtime's gen0 budget|$OUTCALL|$GEN0 DOTNET_GCgen0size=0|"
    "QuickJit off|$OUTCALL|$GEN0 DOTNET_TC_QuickJit=0|"
    "admin API on (the default config)|$OUTCALL|$GEN0|outcall.admin.listen = \"127.0.0.1:0\""
    "single file (as the README and Dockerfile publish)|$SINGLE_BIN|$GEN0|"
)
[ -z "${BEFORE_BIN:-}" ] || CANDIDATES=("before: no idle trim, gen0size 4 MB|$BEFORE_BIN|$GEN0|" "${CANDIDATES[@]}")
declare -A START REST WARM STARTUP ANON FILE JIT CPU
proxy_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PROXY_PID/stat"; }

measure() { # index
    local spec=${CANDIDATES[$1]} name bin envs hocon port t0 t1 out
    name=${spec%%|*}; spec=${spec#*|}; bin=${spec%%|*}; spec=${spec#*|}; envs=${spec%%|*}; hocon=${spec#*|}
    { cat "$WORK/outcall.conf"; echo "$hocon"; } >"$WORK/outcall-$1.conf"
    port=$(free_port)
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    env $envs "$bin" --listen "127.0.0.1:$port" --rules-dir "$WORK/rules" --config "$WORK/outcall-$1.conf" >"$WORK/outcall.log" 2>&1 &
    PROXY_PID=$!
    local tries=0
    until port_in_use "$port"; do
        tries=$((tries + 1)); [ "$tries" -le 600 ] || { log "$name did not listen"; cat "$WORK/outcall.log" >&2; exit 1; }
        sleep 0.05
    done
    t1=$(date +%s%N)
    sleep 3
    START[$1]="${START[$1]:-} $(field_mb VmRSS)"
    STARTUP[$1]="${STARTUP[$1]:-} $(( (t1 - t0) / 1000000 ))"
    # The first idle trim runs two quiet windows (2 s each) after the node starts.
    sleep 5
    REST[$1]="${REST[$1]:-} $(field_mb VmRSS)"
    local ticks
    ticks=$(proxy_cpu_ticks)
    out=$("$LOADTOOLS" warmup --proxy "127.0.0.1:$port" --seconds 3) || log "WARNING: $name warm-up: $out"
    ticks=$(( $(proxy_cpu_ticks) - ticks ))
    CPU[$1]="${CPU[$1]:-} $(awk -v t="$ticks" -v hz="$TICKS" -v o="$out" 'BEGIN { split(o, kv, /[ =]/); n = kv[2] + kv[4]; printf "%.0f", n ? t * 1e6 / hz / n : 0 }')"
    sleep 5
    WARM[$1]="${WARM[$1]:-} $(field_mb VmRSS)"
    ANON[$1]="${ANON[$1]:-} $(field_mb RssAnon)"
    FILE[$1]="${FILE[$1]:-} $(field_mb RssFile)"
    JIT[$1]="${JIT[$1]:-} $(field_mb RssShmem)"
    log "$name: start $(awk '{print $NF}' <<<"${START[$1]}") MB, after warm-up $(awk '{print $NF}' <<<"${WARM[$1]}") MB ($out)"
    kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=""
}

for round in $(seq 1 "$ROUNDS"); do
    log "round $round of $ROUNDS"
    for i in "${!CANDIDATES[@]}"; do measure "$i"; done
done

report() {
    echo "# Outcall memory at rest, $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), .NET $(dotnet --version), Outcall $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')."
    echo "Command: \`ROUNDS=$ROUNDS bench/memory.sh\`; medians of $ROUNDS interleaved rounds. Start: VmRSS 3 s after the port listens, and at rest 8 s after (once the first idle trim ran)."
    echo "After warm-up: VmRSS 5 s after 3 s of small GETs from 50 clients and 1 s of tunnel churn (RssAnon: its anonymous part, RssFile: mapped files, RssShmem: the JIT's code, W^X double-mapped)."
    echo
    echo "CPU per warm-up exchange (request or tunnel) is indicative only on a shared machine."
    echo
    echo "| candidate | environment, config | start, 3 s (MB) | start, 8 s (MB) | after warm-up (MB) | RssAnon / RssFile / RssShmem after (MB) | start to listening (ms) | CPU per warm-up exchange (µs) |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    for i in "${!CANDIDATES[@]}"; do
        local spec=${CANDIDATES[$i]} name envs hocon
        name=${spec%%|*}; spec=${spec#*|}; spec=${spec#*|}; envs=${spec%%|*}; hocon=${spec#*|}
        echo "| $name | \`${envs:-none}\`${hocon:+, \`$hocon\`} | $(median "${START[$i]}") | $(median "${REST[$i]}") | $(median "${WARM[$i]}") | $(median "${ANON[$i]}") / $(median "${FILE[$i]}") / $(median "${JIT[$i]}") | $(median "${STARTUP[$i]}") | $(median "${CPU[$i]}") |"
    done
}
mkdir -p "$HERE/results"
file="$HERE/results/memory-$(date -u +%Y-%m-%d-%H%M).md"
report | tee "$file"
log "saved $file"
