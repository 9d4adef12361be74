#!/usr/bin/env bash
# golden.sh MIGPROP [record]: reports for recorded seeds are byte-identical to
# the files under tests/golden/ (timing lines aside).  The files were made
# before the architecture renovation, so a refactoring that changes what a
# seed generates, plans or reports shows up here.  `record` rewrites them.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); mode=${2:-compare}
here=$(cd "$(dirname "$0")" && pwd)
gold=$here/golden
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
strip() { grep -v -e '^#' -e 'ms:'; }
run() { # NAME ARGS...: run a report into $work/NAME
  local name=$1; shift
  "$bin" "$@" 2>/dev/null | strip >"$work/$name"
}
run sqlite-5.tap check --backend sqlite --iterations 150 --seed 5 --format tap
run naive-3.tap check --backend sqlite --solver naive --iterations 60 --seed 3 --out fail --format tap
run scenarios.tap check --iterations 0 --seed 1 --scenarios "$here/../scenarios" --backend sqlite --format tap
# how many trials a race takes to show (no-lock under exactly_once) varies
# between runs: the selftest's points are compared without their "# after"
run selftest.tap selftest --seed 1 --iterations 60 --backend sqlite
sed -i 's/ # after [0-9]* trials\{0,1\}$//' "$work/selftest.tap"
for f in fail/*.case fail/*.sql; do cp "$f" "$work/$(basename "$f")"; done
if [ "${MIGPROP_REQUIRE_POSTGRES:-0}" = 1 ] || [ "$mode" = record ]; then
  run pg-11.tap check --backend postgres --iterations 30 --seed 11 --format tap
fi
status=0
if [ "$mode" = record ]; then
  rm -f "$gold"/*; cp "$work"/*.tap "$work"/*.case "$work"/*.sql "$gold"/
  exit 0
fi
for f in "$gold"/*; do
  n=$(basename "$f")
  [ -e "$work/$n" ] || { [ "$n" = pg-11.tap ] && continue; echo "golden: $n was not produced" >&2; status=1; continue; }
  if ! diff -u "$f" "$work/$n"; then echo "golden: $n differs" >&2; status=1; fi
done
exit $status
