#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, seeded from the fixtures and the
# example configs. Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1
seconds=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$build/fuzz-corpus
mkdir -p "$corpus"/{proc,config,text} "$build/fuzz-findings"

# proc parsers: the first byte selects the parser (see fuzz_proc_parsers.cc).
seed() {  # selector file
  printf "\\x$(printf '%02x' "$1")" | cat - "$2" > "$corpus/proc/$1-$(echo "$2" | md5sum | cut -c1-12)"
}
for f in "$src"/tests/fixtures/proc/*/stat "$src"/tests/fixtures/files/stat/*; do [ -f "$f" ] && seed 0 "$f"; done
for f in "$src"/tests/fixtures/proc/*/status "$src"/tests/fixtures/files/status/*; do [ -f "$f" ] && seed 1 "$f"; done
for f in "$src"/tests/fixtures/files/status/*; do [ -f "$f" ] && seed 2 "$f"; done
for f in "$src"/tests/fixtures/proc/*/io; do [ -f "$f" ] && seed 3 "$f"; done
for f in "$src"/tests/fixtures/proc/*/limits "$src"/tests/fixtures/files/limits/*; do [ -f "$f" ] && seed 4 "$f"; done
seed 5 "$src/tests/fixtures/proc/stat"
for f in "$src"/tests/fixtures/files/smaps/*rollup*; do [ -f "$f" ] && seed 6 "$f"; done
for f in "$src"/tests/fixtures/files/smaps/*; do [ -f "$f" ] && seed 7 "$f"; done
for f in "$src"/tests/fixtures/proc/*/cgroup; do [ -f "$f" ] && seed 8 "$f"; done
cp "$src"/config/examples/*.yml "$corpus/config/"
for f in "$src"/tests/fixtures/proc/*/cmdline "$src"/tests/fixtures/proc/*/comm; do
  [ -f "$f" ] && cp "$f" "$corpus/text/$(echo "$f" | md5sum | cut -c1-12)"
done

status=0
for t in proc_parsers:proc config:config text:text; do
  target=fuzz_${t%%:*}
  dir=$corpus/${t##*:}
  echo "== $target for ${seconds}s"
  if ! "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$build/fuzz-findings/$target-" -print_final_stats=1 "$dir" 2>"$build/fuzz-findings/$target.log"; then
    echo "!! $target found a failure; log and reproducer under $build/fuzz-findings/"
    tail -30 "$build/fuzz-findings/$target.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/fuzz-findings/$target.log" | tail -2
  fi
done
exit $status
