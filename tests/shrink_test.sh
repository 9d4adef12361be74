#!/usr/bin/env bash
# shrink_test.sh MIGPROP sqlite|postgres: failures of the naive solver are
# shrunk to small case files; `migprop replay` on each exits 1 with the same
# property; the standalone SQL of an ordering failure fails under the
# dialect's own client; a passing case file replays with exit 0.
set -u
M=$1
B=$2
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() { tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"; }
for seed in 1 2 3; do
  "$M" check --backend "$B" --solver naive --iterations 300 --seed $seed --properties ordering_valid,final_schema_equal \
    --out "$W/f$seed" >"$W/report" 2>/dev/null
  [ $? -eq 1 ] && ok "seed $seed: the naive solver fails" || bad "seed $seed: the naive solver fails"
  for f in "$W/f$seed"/*.case; do
    name=$(basename "$f")
    prop=$(sed -n 's/^property: //p' "$f")
    ops=$(grep -A0 "case: '$f'" -A3 "$W/report" | sed -n 's/^  shrunk_ops: //p')
    tables=$(sed -n '/^\[start\]/,/^\[desired\]/p' "$f" | grep -c '^table')
    if [ -n "$ops" ] && [ "$ops" -le 3 ] && [ "$tables" -le 2 ]; then ok "$name: shrunk to $ops operations on $tables tables"
    else bad "$name: shrunk to ${ops:-?} operations on $tables tables"; fi
    "$M" replay "$f" >"$W/replay" 2>&1
    st=$?
    if [ $st -eq 1 ] && grep -q "^not ok 1 - $prop \[$B\]" "$W/replay"; then ok "$name: replay fails the same property"
    else bad "$name: replay fails the same property (exit $st)"; sed 's/^/# /' "$W/replay" | head; fi
    sql="${f%.case}.$([ "$B" = sqlite ] && echo sqlite || echo pg).sql"
    if [ "$prop" = ordering_valid ]; then
      if [ "$B" = sqlite ]; then sqlite3 :memory: <"$sql" >/dev/null 2>&1; else psql -X -q -v ON_ERROR_STOP=1 -d postgres -f "$sql" >/dev/null 2>&1; fi
      [ $? -ne 0 ] && ok "$name: the standalone SQL fails without migprop" || bad "$name: the standalone SQL fails without migprop"
    fi
  done
done
# a case that holds replays with exit 0, and a malformed one with exit 2
"$M" replay "$HERE/../scenarios/2-renames-with-fks.case" --backend "$B" --properties ordering_valid,final_schema_equal >/dev/null 2>&1
[ $? -eq 0 ] && ok "a passing case replays with exit 0" || bad "a passing case replays with exit 0"
printf '[start]\ntable "t"\n  column "id" nosuchtype\n[desired]\n' >"$W/bad.case"
"$M" replay "$W/bad.case" >/dev/null 2>"$W/err"
[ $? -eq 2 ] && grep -q "bad.case:3" "$W/err" && ok "a malformed case: exit 2 naming the line" || bad "a malformed case: exit 2 naming the line"
echo "1..$tests"
[ "$fails" -eq 0 ]
