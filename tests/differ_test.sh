#!/usr/bin/env bash
# differ_test.sh MIGPROP (under `migprop cluster`): differ-check of
# migprop's own planner finds nothing over 3 seeds on both backends; planted
# defects in its profile (the rename hints left out; a wrapper that drops
# the last statement) are caught with shrunk pairs and a repro.sh that
# shows the difference; --expect accepts listed findings; JUnit is well
# formed; and migra's rename data loss is found over 3 seeds with shrunk
# pairs (skipped when migra is not installed: ci/runners.sh --install-only).
set -u
M=$1
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/differ-test-XXXXXX")
trap 'rm -rf "$W"' EXIT
PG="host=${PGHOST:?run under migprop cluster} user=${PGUSER:-postgres} dbname=postgres"
n=0
fails=0
T0=$(date +%s)
took() { echo "# $1: $(( $(date +%s) - T0 )) s"; T0=$(date +%s); }
t() { n=$((n + 1)); if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=1; fi; }
show() { sed 's/^/# /' "$1" | grep -v '^#     ' | head -${2:-30}; }
# clean NAME: the run found nothing (exit 0, no failing point, 0 findings)
clean() { [ "$2" -eq 0 ] && ! grep -q "^not ok" "$1" && grep -q "^# findings for $3: 0" "$1"; }

n_checks=$("$M" differ-check --list | grep -cE '^(tool_error|sql_fails|schema_differs|rows_lost|rename_loses_data) ')
[ "$n_checks" -eq 5 ] && t ok "--list names the 5 checks" || t no "--list names the 5 checks ($n_checks)"

for s in 1 2 3; do
  "$M" differ-check --differ migprop --backend sqlite --iterations 20 --seed $s --out "$W/own" >"$W/own-s$s.tap" 2>&1
  st=$?
  clean "$W/own-s$s.tap" $st migprop && t ok "migprop's planner, sqlite, seed $s: no findings" ||
    { t no "migprop's planner, sqlite, seed $s: no findings (exit $st)"; show "$W/own-s$s.tap"; }
  "$M" differ-check --differ migprop --backend postgres --pg-url "$PG" --iterations 6 --seed $s --out "$W/own" \
    >"$W/own-pg-s$s.tap" 2>&1
  st=$?
  clean "$W/own-pg-s$s.tap" $st migprop && t ok "migprop's planner, postgres, seed $s: no findings" ||
    { t no "migprop's planner, postgres, seed $s: no findings (exit $st)"; show "$W/own-pg-s$s.tap"; }
done

took "migprop's planner, 3 seeds, both backends"
# planted: the profile without its rename hints (a rename becomes a drop and an add)
printf 'name: nohints\ndiff: {migprop} plan --from {from_file} --to {to_file} --dialect {dialect}\nunsupported: cannot be ordered\nunsupported: is not supported by this version\n' \
  >"$W/nohints.adapter"
"$M" differ-check --adapter "$W/nohints.adapter" --backend sqlite --iterations 20 --seed 1 --out "$W/nohints" \
  >"$W/nohints.tap" 2>&1
st=$?
if [ $st -eq 1 ] && grep -q "^not ok .* rename_loses_data \[nohints sqlite\]" "$W/nohints.tap" &&
   grep -q "^# nohints  *sqlite  *rename_loses_data .*shrunk in [0-9]* steps to FROM 1 table" "$W/nohints.tap"; then
  t ok "the profile without rename hints: rename_loses_data, shrunk to one table"
else
  t no "the profile without rename hints: rename_loses_data, shrunk to one table (exit $st)"; show "$W/nohints.tap"
fi
r=$(ls -d "$W"/nohints/nohints-sqlite-rename_loses_data-* 2>/dev/null | head -1)
if [ -n "$r" ] && for f in FROM.sql TO.sql rows.sql renames.txt tool.sql README repro.sh; do [ -s "$r/$f" ] || [ "$f" = tool.sql ] || exit 1; done; then
  t ok "the repro folder keeps FROM.sql, TO.sql, rows.sql, renames.txt, the tool's output and repro.sh"
else
  t no "the repro folder keeps FROM.sql, TO.sql, rows.sql, renames.txt, the tool's output and repro.sh ($r)"; ls -l "$r" 2>&1 | sed 's/^/# /'
fi
if [ -n "$r" ] && (cd "$W" && MIGPROP="$M" "$r/repro.sh" >"$W/repro.out" 2>&1); grep -q "^+ the tool exited 0" "$W/repro.out" &&
   grep -q "^+ applying the SQL exited 0" "$W/repro.out"; then
  t ok "repro.sh re-runs the tool and applies its SQL"
else
  t no "repro.sh re-runs the tool and applies its SQL"; show "$W/repro.out"
fi
sed -n 's/^# nohints  *sqlite  *\([a-z_]*\) .*/nohints\/sqlite\/\1/p' "$W/nohints.tap" >"$W/expect"
"$M" differ-check --adapter "$W/nohints.adapter" --backend sqlite --iterations 20 --seed 1 --out "$W/nohints2" \
  --expect "$W/expect" >"$W/nohints2.tap" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "(expected)" "$W/nohints2.tap" && t ok "--expect accepts listed findings" ||
  { t no "--expect accepts listed findings (exit $st)"; show "$W/nohints2.tap"; }

took "the profile without rename hints"
# planted: a wrapper that drops the script's last statement (before COMMIT)
cat >"$W/droplast.sh" <<'SH'
#!/bin/sh
# the plan without its last statement: every line of it ends with ';'
"$@" | awk '{ l[NR] = $0 } /;$/ && !/^(BEGIN|COMMIT|PRAGMA)/ { last = NR } END { for (i = 1; i <= NR; i++) if (i != last) print l[i] }'
SH
chmod +x "$W/droplast.sh"
printf 'name: droplast\ndiff: %s {migprop} plan --from {from_file} --to {to_file} --dialect {dialect} --renames {renames_file}\nunsupported: cannot be ordered\n' \
  "$W/droplast.sh" >"$W/droplast.adapter"
for b in sqlite postgres; do
  "$M" differ-check --adapter "$W/droplast.adapter" --backend $b --pg-url "$PG" --iterations 6 --seed 2 \
    --shrink-steps 5 --out "$W/droplast" >"$W/droplast-$b.tap" 2>&1
  st=$?
  if [ $st -eq 1 ] && grep -qE "^not ok .* (schema_differs|sql_fails) \[droplast $b\]" "$W/droplast-$b.tap"; then
    t ok "a wrapper that drops the last statement is caught on $b"
  else
    t no "a wrapper that drops the last statement is caught on $b (exit $st)"; show "$W/droplast-$b.tap"
  fi
done
"$M" differ-check --adapter "$W/droplast.adapter" --backend sqlite --iterations 10 --seed 2 --shrink-steps 0 \
  --format junit --out "$W/junit" >"$W/droplast.xml" 2>&1
xmllint --noout "$W/droplast.xml" 2>/dev/null && grep -q "<failure" "$W/droplast.xml" && t ok "--format junit: well-formed, with the failure" ||
  t no "--format junit: well-formed, with the failure"

took "the wrapper that drops the last statement"
# migra: its rename data loss (and whatever else it finds) over 3 seeds,
# whose first pair has a rename: each migra run takes seconds, CI minutes
if command -v migra >/dev/null; then
  for s in 3 8 9; do
    start=$(date +%s)
    "$M" differ-check --differ migra --pg-url "$PG" --iterations 1 --seed $s --shrink-steps 3 --out "$W/migra" \
      >"$W/migra-s$s.tap" 2>&1
    st=$?
    echo "# migra, seed $s: $(( $(date +%s) - start )) s"
    grep "^# migra  " "$W/migra-s$s.tap" | cut -c1-220
    if [ $st -eq 1 ] && grep -q "^# migra  *postgres rename_loses_data .*shrunk in" "$W/migra-s$s.tap" &&
       ls -d "$W"/migra/migra-postgres-rename_loses_data-* >/dev/null 2>&1; then
      t ok "migra, seed $s: its rename data loss, with a shrunk pair"
    else
      t no "migra, seed $s: its rename data loss, with a shrunk pair (exit $st)"; show "$W/migra-s$s.tap"
    fi
    rm -rf "$W/migra"
  done
else
  for s in 3 8 9; do t ok "migra, seed $s # SKIP migra is not installed (ci/runners.sh --install-only installs @pgkit/migra)"; done
fi
echo "1..$n"
exit $fails
