#!/usr/bin/env bash
# differ_test.sh MIGPROP (under `migprop cluster`): differ-check of
# migprop's own planner finds nothing over 3 seeds on both backends; planted
# defects in its profile (the rename hints left out; wrappers that drop
# the last statement or empty the tables) are caught with shrunk pairs and a repro.sh that
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
# the cluster's postgres:// URL (host=%2F... in its query) works as --pg-url
"$M" differ-check --differ migprop --backend postgres --pg-url "$DATABASE_URL" --iterations 2 --seed 1 >"$W/url.tap" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "2 trials in .* 0 findings$" "$W/url.tap" && t ok "--pg-url as a postgres:// URL: pairs run, none discarded" ||
  { t no "--pg-url as a postgres:// URL: pairs run, none discarded (exit $st)"; show "$W/url.tap"; }
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

# planted: a wrapper that empties every table after the plan (rows_lost)
printf '%s\n' 'name: empties' \
  "diff: {migprop} plan --from {from_file} --to {to_file} --dialect {dialect} --renames {renames_file} | grep -v '^COMMIT;' | grep -iv '^PRAGMA foreign_keys=ON'; grep -o '^CREATE TABLE \"[^\"]*\"' {to_file} | tac | sed 's/^CREATE TABLE/DELETE FROM/; s/\$/;/'" \
  >"$W/empties.adapter"
"$M" differ-check --adapter "$W/empties.adapter" --backend sqlite --iterations 10 --seed 1 --checks rows_lost \
  --shrink-steps 40 --out "$W/empties" >"$W/empties.tap" 2>&1
st=$?
if [ $st -eq 1 ] && grep -q "^# empties  *sqlite  *rows_lost .*shrunk in [0-9]* steps to FROM 1 table, 1 column, 1 row" "$W/empties.tap"; then
  t ok "a wrapper that empties the tables: rows_lost, shrunk to one row"
else
  t no "a wrapper that empties the tables: rows_lost, shrunk to one row (exit $st)"; show "$W/empties.tap"
fi
took "the wrapper that drops the last statement, the one that empties the tables"

# adapter keys: exit_ok, prelude / postlude, unsupported, each with and without
PLAN='{migprop} plan --from {from_file} --to {to_file} --dialect {dialect} --renames {renames_file}'
dc() { # NAME ADAPTER-LINES...: differ-check on sqlite, 8 pairs, no shrinking; the exit status
  local name=$1; shift
  printf 'name: %s\n' "$name" >"$W/$name.adapter"
  printf '%s\n' "$@" >>"$W/$name.adapter"
  "$M" differ-check --adapter "$W/$name.adapter" --backend sqlite --iterations 8 --seed 1 --shrink-steps 0 \
    --out "$W/keys" >"$W/$name.tap" 2>&1
}
dc exit2 "diff: $PLAN; exit 2"
st=$?
[ $st -eq 1 ] && grep -q "^not ok .* tool_error \[exit2 sqlite\]" "$W/exit2.tap" && t ok "exit 2 is a tool_error by default" ||
  { t no "exit 2 is a tool_error by default (exit $st)"; show "$W/exit2.tap"; }
dc exit2ok "diff: $PLAN; exit 2" "exit_ok: 0,2"
st=$?
clean "$W/exit2ok.tap" $st exit2ok && t ok "exit_ok: 0,2 accepts it" || { t no "exit_ok: 0,2 accepts it (exit $st)"; show "$W/exit2ok.tap"; }
dc noisy "diff: echo 'Generated by a tool'; $PLAN; echo '-- end of the script'; echo 'Bye.'"
st=$?
[ $st -eq 1 ] && grep -q "^not ok .* sql_fails \[noisy sqlite\]" "$W/noisy.tap" && t ok "output around the SQL fails to apply" ||
  { t no "output around the SQL fails to apply (exit $st)"; show "$W/noisy.tap"; }
dc stripped "diff: echo 'Generated by a tool'; $PLAN; echo '-- end of the script'; echo 'Bye.'" "prelude: Generated" \
  "postlude: -- end of the script"
st=$?
clean "$W/stripped.tap" $st stripped && t ok "prelude and postlude strip it" || { t no "prelude and postlude strip it (exit $st)"; show "$W/stripped.tap"; }
dc refuses "diff: echo 'sorry: renames are beyond me' >&2; exit 3" "unsupported: beyond me"
st=$?
clean "$W/refuses.tap" $st refuses && grep -q "; 8 not expressible by the tool" "$W/refuses.tap" &&
  t ok "a tool that says it cannot express the change: counted apart, no finding" ||
  { t no "a tool that says it cannot express the change: counted apart, no finding (exit $st)"; show "$W/refuses.tap"; }
printf 'name: bad\ndiff: true\nexit_ok: 0,x\n' >"$W/bad.adapter"
"$M" differ-check --adapter "$W/bad.adapter" --out "$W/keys" >"$W/bad.out" 2>&1
st=$?
[ $st -eq 2 ] && grep -q "bad.adapter:3: exit_ok" "$W/bad.out" && t ok "a bad adapter line is refused naming the file and line" ||
  { t no "a bad adapter line is refused naming the file and line (exit $st)"; show "$W/bad.out"; }
"$M" differ-check --adapter "$(dirname "$0")/../examples/adapters/migra-python.differ" --pg-url "$PG" --iterations 0 \
  --out "$W/keys" >"$W/example.tap" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "differ-check of migra-python" "$W/example.tap" && t ok "examples/adapters/migra-python.differ is a valid adapter" ||
  { t no "examples/adapters/migra-python.differ is a valid adapter (exit $st)"; show "$W/example.tap"; }
took "adapter keys"
# migra: its rename data loss (and whatever else it finds) on 3 seeds.  A
# seed's first pair may hold no rename (that depends on the generators), so
# seeds are tried in order, 3 pairs each (a migra run takes a second), until
# 3 have shown it; 12 seeds without 3 findings is a failure.
if command -v migra >/dev/null; then
  found=0 tried=0
  for s in $(seq 1 12); do
    [ $found -ge 3 ] && break
    tried=$((tried + 1))
    start=$(date +%s)
    "$M" differ-check --differ migra --pg-url "$PG" --iterations 3 --seed $s --shrink-steps 3 --out "$W/migra" \
      >"$W/migra-s$s.tap" 2>&1
    st=$?
    echo "# migra, seed $s: exit $st, $(( $(date +%s) - start )) s"
    grep "^# migra  " "$W/migra-s$s.tap" | cut -c1-220
    case $st in 0 | 1) ;; *) t no "migra, seed $s: differ-check ran (exit $st)"; show "$W/migra-s$s.tap" ;; esac
    if [ $st -eq 1 ] && grep -q "^# migra  *postgres rename_loses_data .*shrunk in" "$W/migra-s$s.tap" &&
       ls -d "$W"/migra/migra-postgres-rename_loses_data-* >/dev/null 2>&1; then
      found=$((found + 1))
      t ok "migra, seed $s: its rename data loss, with a shrunk pair"
    fi
    rm -rf "$W/migra"
  done
  [ $found -ge 3 ] && t ok "migra: rename data loss found on 3 seeds ($tried tried)" ||
    t no "migra: rename data loss found on only $found of $tried seeds"
else
  t ok "migra: rename data loss # SKIP migra is not installed (ci/runners.sh --install-only installs @pgkit/migra)"
fi
echo "1..$n"
exit $fails
