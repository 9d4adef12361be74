#!/usr/bin/env bash
# recover_test.sh MIGPROP sqlite|postgres: a migration outside a transaction
# is killed (SIGKILL) in its second, slow statement; `migrate recover` finds
# how much of it ran and proposes a plan, and `recover --apply 1` finishes it
# so that `verify` accepts the database and its schema equals a clean run's.
# The slow statement reads its length from a table, so that the test can
# make the finishing run short.  PostgreSQL runs under `migprop cluster`.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init recover-test "$1" "$2" k
d=$W/m
mkdir -p "$d"
if [ "$B" = sqlite ]; then
  echo "CREATE TABLE knob (n integer NOT NULL); INSERT INTO knob VALUES (2000000000);" >"$d/1_knob.up.sql"
  slow="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < (SELECT n FROM knob)) SELECT count(*) FROM c;"
else
  echo "CREATE TABLE knob (n integer NOT NULL); INSERT INTO knob VALUES (60);" >"$d/1_knob.up.sql"
  slow="SELECT pg_sleep((SELECT n FROM knob));"
fi
printf -- '-- migprop:no-transaction\nCREATE TABLE a (id integer PRIMARY KEY);\n%s\nCREATE TABLE b (id integer PRIMARY KEY);\n' "$slow" >"$d/2_slow.up.sql"
printf 'DROP TABLE b;\nDROP TABLE a;\n' >"$d/2_slow.down.sql"
echo "CREATE TABLE c (id integer PRIMARY KEY);" >"$d/3_after.up.sql"

# kill_in_slow: run `up` on DB and kill it (SIGKILL) once migration 2 is
# running and in its slow statement; st is the runner's exit status
kill_in_slow() {
  "$M" migrate --dir "$d" --db "$DB" up >"$W/run.out" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do
    [ "$(sql "SELECT count(*) FROM migprop_migrations WHERE version = '2' AND status = 'running'" 2>/dev/null)" = 1 ] && break
    sleep 0.05
  done
  sleep 0.5
  kill -9 $pid
  wait $pid 2>/dev/null
  st=$?
  # PostgreSQL: the killed runner's session may still sleep on the server,
  # holding its advisory lock; end it as an operator would
  [ "$B" = postgres ] && psql -X -qtA -d "$DB" -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null
}

# the schema of a clean run, with the slow statement short
fresh
clean=$DB
sed 's/2000000000/1/; s/(60)/(0)/' "$d/1_knob.up.sql" >"$W/k" && mkdir -p "$W/c" && cp "$d"/* "$W/c/" && cp "$W/k" "$W/c/1_knob.up.sql"
expect 0 "a clean run" migrate --dir "$W/c" --db "$clean" up
"$M" schema --db "$clean" >"$W/clean.schema"

fresh
kill_in_slow
eq "$st" 137 "the runner was killed in the slow statement"
expect 1 "verify finds the dirty migration" migrate --dir "$d" --db "$DB" verify
has out "dirty" "verify: says dirty"
expect 1 "up refuses a dirty database" migrate --dir "$d" --db "$DB" up
cp "$W/out" "$W/before"
expect 1 "recover proposes a plan (exit 1: something to recover)" migrate --dir "$d" --db "$DB" recover
has out "after statement 1 of 3" "recover: statement 1 ran, the slow one did not finish"
has out "2_slow.up.sql (line 3 is the first that may not have finished)" "recover: names the file and line"
has out "statement 2 (line 3) changes no schema (data, a query), so whether it ran cannot be told" \
  "recover: the data statement after the schema's state is named as unknowable"
has out "1. finish it: run statements 2..3" "recover: step 1 finishes it"
has out "2. finish it, taking statement 2 as run: run statements 3..3 (from line 4)" \
  "recover: step 2 finishes it without the data statement"
has out "[risk: medium; data loss: none]" "recover: with its risk and data loss"
has out "revert it" "recover: a revert is offered"
eq "$(sql "SELECT status FROM migprop_migrations WHERE version = '2'")" running "recover without --apply changed nothing"
sql "UPDATE knob SET n = $([ "$B" = sqlite ] && echo 10 || echo 0)"
expect 0 "recover --apply 1" migrate --dir "$d" --db "$DB" recover --apply 1
has out "step 1 done" "recover --apply: says what it did"
expect 0 "verify accepts the recovered database" migrate --dir "$d" --db "$DB" verify
has out "0 problems" "verify: 0 problems"
expect 0 "up runs the rest" migrate --dir "$d" --db "$DB" up
has err "applied 3 after" "the migration after it runs"
"$M" schema --db "$DB" >"$W/got.schema"
if cmp -s "$W/got.schema" "$W/clean.schema"; then ok "the schema equals a clean run's"; else diff "$W/clean.schema" "$W/got.schema" >"$W/err"; bad "the schema equals a clean run's"; fi
expect 0 "recover on a clean database" migrate --dir "$d" --db "$DB" recover
has out "nothing to recover" "recover: nothing to recover"
# nothing of it ran: the kill before its first statement finished
fresh
printf -- '-- migprop:no-transaction\n%s\nCREATE TABLE a (id integer PRIMARY KEY);\n' "$slow" >"$d/2_slow.up.sql"
printf 'DROP TABLE a;\n' >"$d/2_slow.down.sql"
rm "$d/3_after.up.sql"
kill_in_slow
expect 1 "recover after a kill in the first statement" migrate --dir "$d" --db "$DB" recover
has out "after statement 0 of 2" "recover: nothing of it ran"
has out "2. clear the record: nothing of it changed the schema" "recover: clearing the record is offered"
has out "3. finish it, taking statement 1 as run: run statements 2..2" "recover: or finishing it without the slow query"
expect 0 "recover --apply 2 clears the record" migrate --dir "$d" --db "$DB" recover --apply 2
expect 0 "verify accepts it" migrate --dir "$d" --db "$DB" verify
expect 0 "status" migrate --dir "$d" --db "$DB" status
has out "1 applied, 1 pending" "status: the migration is pending again"
# killed in the slow query again: finishing it "taking statement 1 as run"
# does not run the query again (it is still slow: a finish that ran it
# would not end), and records the migration applied
fresh
kill_in_slow
expect 1 "recover after a kill in the slow query" migrate --dir "$d" --db "$DB" recover
has out "3. finish it, taking statement 1 as run: run statements 2..2" "recover: step 3 finishes it without the query"
timeout 30 "$M" migrate --dir "$d" --db "$DB" recover --apply 3 >"$W/out" 2>"$W/err"
eq "$?" 0 "recover --apply 3 does not run the slow query again"
eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE version = '2' AND status = 'applied'")" 1 \
  "recover --apply 3 records it applied"
expect 0 "verify accepts it" migrate --dir "$d" --db "$DB" verify
echo "1..$tests"
[ "$fails" -eq 0 ] || { echo "# $fails of $tests failed"; exit 1; }
