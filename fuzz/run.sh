#!/usr/bin/env bash
# Fuzzes the hostile-input codecs of Outcall.Actors with afl++ and SharpFuzz (see README.md).
# Usage: fuzz/run.sh [seconds-per-target] [target ...]    targets: head chunked hello (default: all)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
duration="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(head chunked hello)

if ! command -v afl-fuzz >/dev/null; then
  apt-get update && apt-get install -y afl++
fi
if [ ! -x "$here/.tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$here/.tools" SharpFuzz.CommandLine
fi

out="$here/bin"
dotnet publish "$here/Outcall.Fuzz/Outcall.Fuzz.csproj" -c Release -o "$out" -nologo -v quiet
# Only the library under test carries coverage instrumentation; the harness and the runtime do not.
"$here/.tools/sharpfuzz" "$out/Outcall.Actors.dll"

# dotnet itself is not an afl binary; SharpFuzz reports coverage through afl's shared memory.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
for target in "${targets[@]}"; do
  findings="$here/findings/$target"
  mkdir -p "$findings"
  echo "== $target for ${duration}s -> $findings"
  afl-fuzz -i "$here/corpus/$target" -o "$findings" -t 5000 -m none -V "$duration" \
    -- dotnet "$out/Outcall.Fuzz.dll" "$target" || true
  grep -E 'execs_done|run_time|saved_crashes|saved_hangs|corpus_count|stability' "$findings/default/fuzzer_stats" || true
done
