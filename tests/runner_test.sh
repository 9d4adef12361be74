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
n=5
t() { n=$((n + 1)); if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=1; fi; }
fault_adapter() { # NAME STYLE FAULT [UP-PREFIX]: the migprop profile with a planted fault
  printf 'name: %s\nstyle: %s\nup: %s{migprop} migrate --fault %s --quiet --dir {dir} --db {url} up\ndown: {migprop} migrate --fault %s --quiet --dir {dir} --db {url} down 1\ntracking: migprop_migrations\n' \
    "$1" "$2" "${4:-}" "$3" "$3" >"$W/$1.adapter"
}
# regression: edits land inside the up section (migprop checksums only the up
# section of a single file, by design), and PRAGMA defer_foreign_keys goes after
# the directive lines of a SQLite rebuild
for st in dbmate sql-migrate updown diesel; do
  "$M" runner-check --runner migprop --style $st --backend sqlite --checks history,tamper_edited,tamper_deleted,tamper_out_of_order,sequence \
    --iterations 8 --sequences 3 --rounds 2 --out "$W/style-$st" >"$W/style-$st.tap" 2>&1
  st_=$?
  if [ $st_ -eq 0 ] && grep -q "^# findings for migprop: 0" "$W/style-$st.tap"; then t ok "migprop in $st style: no findings"; else
    t bad "migprop in $st style: no findings (exit $st_)"; grep "^# migprop " "$W/style-$st.tap" | head -5; fi
done
# regression: in diesel style the edit and the delete really happen (a runner
# that ignores them is caught), and add-older's file is removed again
for f in no-checksum:tamper_edited deleted-file-ignored:tamper_deleted; do
  fault_adapter "d-${f%%:*}" diesel "${f%%:*}"
  "$M" runner-check --adapter "$W/d-${f%%:*}.adapter" --backend sqlite --checks "${f#*:}" --out "$W/d" >"$W/d.tap" 2>&1
  grep -q "^not ok .* ${f#*:} " "$W/d.tap" && t ok "diesel style: ${f%%:*} caught by ${f#*:}" || t bad "diesel style: ${f%%:*} caught by ${f#*:}"
done
# regression: the shrinker keeps the failure it started from (a runner that
# also refuses an empty directory must not be shrunk into that refusal)
fault_adapter picky pairs no-checksum '[ -n "$(ls -A {dir})" ] || exit 3; '
"$M" runner-check --adapter "$W/picky.adapter" --backend sqlite --checks sequence --sequences 20 --rounds 2 --out "$W/picky" >"$W/picky.tap" 2>&1
line=$(grep "^# picky .* sequence " "$W/picky.tap")
case "$line" in *"was edited"*edit-applied*) t ok "a shrunk sequence keeps its failure: ${line#*sequence }";;
  *) t bad "a shrunk sequence keeps its failure ($line)";; esac
# an adapter that deletes every row after up is caught; the repro folder keeps
# the start schema, the rows, the setup SQL and a repro.sh that runs
cat >"$W/delrows.adapter" <<'A'
name: delrows
up: {migprop} migrate --quiet --dir {dir} --db {url} up && for t in $(sqlite3 {path} "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'migprop%' AND name NOT LIKE 'sqlite%'"); do sqlite3 {path} "DELETE FROM \"$t\""; done
down: {migprop} migrate --quiet --dir {dir} --db {url} down 1
tracking: migprop_migrations
backends: sqlite
A
"$M" runner-check --adapter "$W/delrows.adapter" --checks history --iterations 10 --out "$W/del" >"$W/del.tap" 2>&1
grep -q "^# delrows .* history .*rows differ" "$W/del.tap" && t ok "a runner that deletes the rows after up is caught" || t bad "a runner that deletes the rows after up is caught"
r=$(ls -d "$W"/del/delrows-sqlite-history-* 2>/dev/null | head -1)
if [ -n "$r" ] && [ -s "$r/start.sql" ] && [ -s "$r/rows.sql" ] && [ -s "$r/setup.sql" ] && ls "$r"/migrations/*.up.sql >/dev/null 2>&1 &&
   MIGPROP="$M" sh "$r/repro.sh" >"$W/repro.out" 2>&1 && grep -q "^+ exit 0" "$W/repro.out"; then
  t ok "the repro folder has start.sql, rows.sql, setup.sql, the migrations and a repro.sh that runs"
else t bad "the repro folder has start.sql, rows.sql, setup.sql, the migrations and a repro.sh that runs"; fi
# --list names every check once; --checks refuses an unknown one
nl=$("$M" runner-check --list | awk '{print $1}' | sort -u | wc -l)
[ "$nl" -ge 15 ] && t ok "--list names $nl checks" || t bad "--list names $nl checks"
"$M" runner-check --runner migprop --checks nosuch >/dev/null 2>&1
[ $? -eq 2 ] && t ok "--checks with an unknown name is a usage error" || t bad "--checks with an unknown name is a usage error"
# the documented example adapters parse (their runners are not installed
# here: every check fails, exit 1, not a usage error)
for ex in goose golang-migrate; do
  "$M" runner-check --adapter "$(dirname "$0")/../examples/adapters/$ex.adapter" --backend sqlite --checks noop_migration \
    --out "$W/ex" >/dev/null 2>&1
  [ $? -eq 1 ] && t ok "examples/adapters/$ex.adapter is a valid adapter" || t bad "examples/adapters/$ex.adapter is a valid adapter"
done
echo "1..$n"
exit $fails
