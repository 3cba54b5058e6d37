#!/usr/bin/env bash
# Runs the libFuzzer targets one after another for SECONDS each, seeded from
# the fixtures, the example configs and the regression corpus. First replays
# each target's regression corpus (tests/fuzz/regressions/<target>/).
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]   (default: all)
# A finding's reproducer lands in BUILD_DIR/fuzz-findings/; the summary
# (executions, coverage, corpus size per target) in BUILD_DIR/fuzz-findings/summary.txt.
set -euo pipefail
build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
fuzz=$src/tests/fuzz
all=(proc_parsers config text web_config query_filter http_headers name_template)
targets=("$@")
[ $# -eq 0 ] && targets=("${all[@]}")
corpus=$build/fuzz-corpus
findings=$build/fuzz-findings
mkdir -p "$findings"
for t in "${all[@]}"; do mkdir -p "$corpus/$t"; done

# Seeds. A file's name is its content's hash, so reruns do not pile up copies.
put() {  # target file [prefix-byte]
  local tmp
  tmp=$(mktemp)
  if [ -n "${3:-}" ]; then printf "\\x$(printf '%02x' "$3")" | cat - "$2" >"$tmp"; else cat "$2" >"$tmp"; fi
  mv "$tmp" "$corpus/$1/seed-$(md5sum <"$tmp" | cut -c1-12)"
}
put_text() {  # target text [prefix-byte]
  local tmp
  tmp=$(mktemp)
  printf '%s' "$2" >"$tmp"
  put "$1" "$tmp" "${3:-}"
  rm -f "$tmp"
}
fx=$src/tests/fixtures

# proc parsers: the first byte selects the parser (see fuzz_proc_parsers.cc).
for f in "$fx"/proc/*/stat "$fx"/files/stat/*; do [ -f "$f" ] && put proc_parsers "$f" 0; done
for f in "$fx"/proc/*/status "$fx"/files/status/*; do [ -f "$f" ] && put proc_parsers "$f" 1; done
for f in "$fx"/files/status/*; do [ -f "$f" ] && put proc_parsers "$f" 2; done
for f in "$fx"/proc/*/io "$fx"/files/io/*; do [ -f "$f" ] && put proc_parsers "$f" 3; done
for f in "$fx"/proc/*/limits "$fx"/files/limits/*; do [ -f "$f" ] && put proc_parsers "$f" 4; done
for f in "$fx"/proc/stat "$fx"/files/procstat/*; do [ -f "$f" ] && put proc_parsers "$f" 5; done
for f in "$fx"/files/smaps/*/smaps_rollup; do [ -f "$f" ] && put proc_parsers "$f" 6; done
for f in "$fx"/files/smaps/*/smaps; do [ -f "$f" ] && put proc_parsers "$f" 7; done
for f in "$fx"/proc/*/cgroup; do [ -f "$f" ] && put proc_parsers "$f" 8; done

for f in "$src"/config/examples/*.yml; do put config "$f"; done

for f in "$fx"/proc/*/cmdline "$fx"/proc/*/comm; do [ -f "$f" ] && put text "$f"; done

# The web config: the README's example (the yaml block under "Web config").
readme_web=$(awk '/^```yaml$/ {on=1; buf=""; next} /^```$/ {if (on && buf ~ /tls_server_config/) {printf "%s", buf; exit} on=0; next} on {buf = buf $0 "\n"}' "$src/docs/serving.md")
[ -n "$readme_web" ] && put_text web_config "$readme_web"

# Query strings: the family names as Prometheus sends them (params: collect[]).
names=$(grep -ho '`proctree_[a-z_]*`' "$src/docs/metrics.md" | tr -d '`' | sort -u | head -20)
for n in $names; do
  put_text query_filter "collect%5B%5D=$n"
  put_text query_filter "exclude[]=$n&foo=bar"
done

# Header values: Accept-Encoding (0), the scrape timeout (1), Authorization (2), Go durations (3).
for v in "gzip" "gzip, deflate, br" "br;q=1.0, gzip;q=0.8, *;q=0.1" "identity;q=0, *"; do put_text http_headers "$v" 0; done
for v in "10" "0.5" "2.000" "86400"; do put_text http_headers "$v" 1; done
for v in "Basic cHJvbWV0aGV1czpzZWNyZXQ=" "basic dTo=" "Bearer x"; do put_text http_headers "$v" 2; done
for v in "1s" "1m30s" "250ms" "1h2m3.5s" "10us"; do put_text http_headers "$v" 3; done

# Group name templates: every group: of the example configs and the README.
grep -ho 'group: *"[^"]*"' "$src"/config/examples/*.yml "$src/docs/configuration.md" | sed 's/^group: *"//; s/"$//' | sort -u |
  while IFS= read -r g; do put_text name_template "$g"$'\nCfgfile\nname'; done

status=0
: >"$findings/summary.txt"
for t in "${targets[@]}"; do
  target=fuzz_$t
  bin=$build/tests/fuzz/$target
  regress=$fuzz/regressions/$target
  log=$findings/$target.log
  if [ -d "$regress" ] && ls "$regress"/* >/dev/null 2>&1; then
    for f in "$regress"/*; do put "$t" "$f"; done
    if ! "$bin" "$regress"/* >"$findings/$target.replay.log" 2>&1; then
      echo "!! $target fails on its regression corpus; see $findings/$target.replay.log"
      tail -30 "$findings/$target.replay.log"
      status=1
      continue
    fi
  fi
  dict=()
  [ -f "$fuzz/$t.dict" ] && dict=(-dict="$fuzz/$t.dict")
  echo "== $target for ${seconds}s"
  start=$(date +%s)
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
      -artifact_prefix="$findings/$target-" -print_final_stats=1 "$corpus/$t" 2>"$log"; then
    echo "!! $target found a failure; log and reproducer under $findings/"
    tail -40 "$log"
    status=1
  fi
  took=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || echo "?")
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || echo "?")
  files=$(find "$corpus/$t" -type f | wc -l)
  line="$target seconds=$took execs=$execs cov=$cov ft=$ft corpus=$files"
  echo "$line" | tee -a "$findings/summary.txt"
done
exit $status
