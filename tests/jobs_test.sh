#!/usr/bin/env bash
# jobs_test.sh MIGPROP: --jobs N gives the report, case files and saved
# failures of a single process, and --shard I/N over I = 1..N covers every
# trial exactly once.
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
strip() { grep -v -e '^#' -e 'shrink_ms:'; }
# a failing run (naive solver): same failures, same shrunk cases, same
# counts, the same case files and failure database (the workers shrink no
# failure: a later one than the point's first would be a case file more)
for j in 1 3; do
  mkdir -p "$W/r$j"
  (cd "$W/r$j" && "$M" check --backend sqlite --solver naive --iterations 300 --seed 3 --out f --failure-db db \
    --jobs $j | strip >"$W/j$j")
done
if cmp -s "$W/j1" "$W/j3"; then echo "ok 1 - --jobs 3 reports what --jobs 1 does"; else
  echo "not ok 1 - --jobs 3 reports what --jobs 1 does"; diff "$W/j1" "$W/j3" | head -20 | sed 's/^/# /'; fails=1; fi
if [ -n "$(ls "$W/r1/f")" ] && diff -r "$W/r1/f" "$W/r3/f" >/dev/null && diff -r "$W/r1/db" "$W/r3/db" >/dev/null; then
  echo "ok 2 - --jobs 3 writes the case files and saved failures --jobs 1 does"; else
  echo "not ok 2 - --jobs 3 writes other case files or saved failures than --jobs 1"
  diff <(ls "$W/r1/f" "$W/r1/db") <(ls "$W/r3/f" "$W/r3/db") | head -20 | sed 's/^/# /'; fails=1; fi
# shards: the passes of the three slices add up to the whole run's (the
# counts are the "# N passed" comment line under the point)
passed() { awk '/^ok 1 - ordering_valid \[sqlite\]$/ { getline; if (sub(/^# /, "")) { print $1 + 0 } }'; }
"$M" check --backend sqlite --iterations 60 --seed 9 --no-shrink --jobs 2 >"$W/all"
total=0
for i in 1 2 3; do
  n=$("$M" check --backend sqlite --iterations 60 --seed 9 --no-shrink --shard $i/3 |
    passed)
  total=$((total + n))
done
whole=$(passed <"$W/all")
if [ "$total" = "$whole" ] && [ "$whole" -gt 0 ]; then echo "ok 3 - three shards cover the $whole trials once"; else
  echo "not ok 3 - three shards cover the trials once ($total vs $whole)"; fails=1; fi
echo "1..3"
exit $fails
