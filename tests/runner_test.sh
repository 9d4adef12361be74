#!/usr/bin/env bash
# runner_test.sh MIGPROP: runner-check finds nothing wrong with our own
# executor, finds everything wrong with a runner that does nothing, and
# --expect turns accepted findings into a passing run.
set -u
M=$1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
"$M" runner-check --runner migprop --iterations 10 --sequences 4 --rounds 3 --out "$W/own" >"$W/own.tap" 2>&1
st=$?
if [ $st -eq 0 ] && grep -q "^# findings for migprop: 0" "$W/own.tap" && ! grep -q "^not ok" "$W/own.tap"; then
  echo "ok 1 - our executor has no findings on either backend"
else
  echo "not ok 1 - our executor has no findings on either backend (exit $st)"; sed 's/^/# /' "$W/own.tap" | head -30; fails=1
fi
printf 'name: noop\nstyle: pairs\nup: true\ndown: true\n' >"$W/noop.adapter"
"$M" runner-check --adapter "$W/noop.adapter" --backend sqlite --iterations 3 --rounds 2 --out "$W/noop" >"$W/noop.tap" 2>&1
st=$?
n=$(grep -c "^not ok" "$W/noop.tap")
if [ $st -eq 1 ] && [ "$n" -ge 8 ]; then echo "ok 2 - a runner that does nothing: $n checks fail"; else
  echo "not ok 2 - a runner that does nothing (exit $st, $n failing checks)"; fails=1; fi
ls "$W/noop" | grep -q "noop-sqlite-history" && echo "ok 3 - findings keep their migrations" || { echo "not ok 3 - findings keep their migrations"; fails=1; }
sed -n 's/^# noop  *sqlite  *\([a-z_]*\) .*/noop\/sqlite\/\1/p' "$W/noop.tap" >"$W/expect"
"$M" runner-check --adapter "$W/noop.adapter" --backend sqlite --iterations 3 --rounds 2 --out "$W/noop2" --expect "$W/expect" >/dev/null 2>&1
st=$?
[ $st -eq 0 ] && echo "ok 4 - --expect accepts listed findings" || { echo "not ok 4 - --expect accepts listed findings (exit $st)"; fails=1; }
rc=$(ls "$W"/noop/*sequence*/sequence.runcase 2>/dev/null | head -1)
if [ -n "$rc" ]; then
  "$M" replay "$rc" --adapter "$W/noop.adapter" >/dev/null 2>&1
  st=$?
  [ $st -eq 1 ] && echo "ok 5 - a shrunk command sequence replays and still fails" || { echo "not ok 5 - a shrunk command sequence replays and still fails (exit $st)"; fails=1; }
else
  echo "not ok 5 - a shrunk command sequence replays and still fails (no .runcase written)"; fails=1
fi
echo "1..5"
exit $fails
