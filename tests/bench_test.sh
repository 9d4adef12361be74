#!/usr/bin/env bash
# bench_test.sh MIGPROP: `bench --suite trials` runs and writes well-formed
# JSON holding the default suite at 1 and 2 jobs, the two-property figure,
# the raw limit and the per-phase and per-property breakdown.  Times are
# never checked: the machine's load decides them.
set -u
M=$1
W=$(mktemp -d "${MIGPROP_TMPDIR:-/tmp}/migprop-bench-XXXXXX")
trap 'rm -rf "$W"' EXIT
fails=0
t=0
check() { # description, command...
  t=$((t + 1))
  local what=$1; shift
  if "$@"; then echo "ok $t - $what"; else echo "not ok $t - $what"; fails=1; fi
}
MIGPROP_TMPDIR=$W "$M" bench --suite trials --backend sqlite --trials 4 --repeat 1 --format json >"$W/b.json" 2>"$W/err"
check "bench --suite trials exits 0" test $? -eq 0
wellformed() { jq -e . "$W/b.json" >/dev/null; }
check "its JSON is well formed" wellformed
names() { jq -r '.. | objects | select(has("name")) | .name' "$W/b.json"; }
for n in "check sqlite, default suite, 1 job" "check sqlite, default suite, 2 jobs" \
  "check sqlite, ordering_valid + final_schema_equal, 1 job" "raw sqlite (the limit)"; do
  check "a row: $n" grep -qxF "$n" <(names)
done
for p in generate plan execute readback compare shrink; do
  check "a phase row: $p" grep -q "^sqlite default suite: phase $p (" <(names)
done
for p in $("$M" properties | grep -v '(opt-in:' | awk '{ print $1 }'); do
  check "a property row: $p" grep -q "^sqlite default suite: property $p (" <(names)
done
# the phases of a run add up to about 100 %
sum=$(names | sed -n 's/^sqlite default suite: phase [a-z]* (\([0-9]*\)%)$/\1/p' | awk '{ s += $1 } END { print s }')
check "the phase shares add up to 100 % (got $sum)" test "$sum" -ge 97 -a "$sum" -le 103
echo "1..$t"
exit $fails
