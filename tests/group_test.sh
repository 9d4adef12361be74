#!/usr/bin/env bash
# group_test.sh MIGPROP sqlite|postgres: `migrate up --group` (and `to`)
# applies the pending migrations in one transaction: all of them, or none
# with the failure recorded; migrations that cannot join a transaction are
# refused before anything runs.  PostgreSQL runs under `migprop cluster`;
# there every tracking row of a group must carry the same xmin (one
# transaction).  TAP.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init group-test "$1" "$2" grp
d=$W/m
mkdir -p "$d"
for i in 1 2 3; do
  printf 'CREATE TABLE t%s (id integer PRIMARY KEY);\nINSERT INTO t%s VALUES (%s);\n' $i $i $i >"$d/${i}_t$i.up.sql"
  printf 'DROP TABLE t%s;\n' $i >"$d/${i}_t$i.down.sql"
done
tables() { "$M" schema --db "$DB" 2>/dev/null | grep -c '^table '; }

# all applied, in one transaction
fresh
expect 0 "up --group applies every pending migration" migrate --dir "$d" --db "$DB" up --group
has err "committed the group of 3 migrations" "up --group: says it committed one group"
eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'")" 3 "up --group: three applied records"
eq "$(tables)" 3 "up --group: three tables"
if [ "$B" = postgres ]; then
  # each migration logs its top-level transaction id (txid_current() is the
  # top-level one inside a savepoint too)
  x=$W/x
  mkdir -p "$x"
  echo "CREATE TABLE txlog (xid bigint NOT NULL); INSERT INTO txlog VALUES (txid_current());" >"$x/1_log.up.sql"
  for i in 2 3; do echo "INSERT INTO txlog VALUES (txid_current());" >"$x/${i}_log.up.sql"; done
  fresh
  expect 0 "up --group: the transaction log" migrate --dir "$x" --db "$DB" up --group
  eq "$(sql "SELECT count(*) || ' ' || count(DISTINCT xid) FROM txlog")" "3 1" "up --group: one transaction ran every migration"
  fresh
  expect 0 "up without --group: the transaction log" migrate --dir "$x" --db "$DB" up
  eq "$(sql "SELECT count(*) || ' ' || count(DISTINCT xid) FROM txlog")" "3 3" "up: a transaction per migration"
fi

# a failure in the third: nothing applied, the failure recorded
printf 'INSERT INTO t1 VALUES (1);\n' >"$d/4_dup.up.sql"
fresh
expect 1 "up --group with a failing migration fails" migrate --dir "$d" --db "$DB" up --group
has err "--group: nothing applied, the group was rolled back" "up --group: says nothing was applied"
has err "4_dup.up.sql:1" "up --group: names the failing file and line"
eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'")" 0 "up --group: no applied record"
eq "$(sql "SELECT version || ' ' || status FROM migprop_migrations")" "4 failed" "up --group: the failure is recorded on its migration"
eq "$(tables)" 0 "up --group: no table of the group is left"
printf 'INSERT INTO t1 VALUES (4);\n' >"$d/4_dup.up.sql"
expect 0 "up --group after the fix" migrate --dir "$d" --db "$DB" up --group
eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'")" 4 "up --group after the fix: four applied"
rm "$d/4_dup.up.sql"

if [ "$B" = postgres ]; then
  # a syntax error at a migration's end (the server refuses its string
  # whole, inside the group's transaction): its own message and line
  printf 'INSERT INTO t1 VALUES (5);\nSELECT (1\n' >"$d/4_syntax.up.sql"
  fresh
  expect 1 "up --group with a syntax error fails" migrate --dir "$d" --db "$DB" up --group
  has err "4_syntax.up.sql:2: syntax error at end of input" "up --group: the syntax error's own message and line"
  eq "$(sql "SELECT string_agg(version || ' ' || status, ',') FROM migprop_migrations")" "4 failed" \
    "up --group, syntax error: nothing applied, the failure recorded"
  eq "$(tables)" 0 "up --group, syntax error: no table of the group is left"
  rm "$d/4_syntax.up.sql"
  # the record's time is the migration's statements', each its own
  printf 'SELECT pg_sleep(0.3);\n' >"$d/4_slow.up.sql"
  fresh
  expect 0 "up --group with a slow migration" migrate --dir "$d" --db "$DB" up --group
  eq "$(sql "SELECT string_agg(version || ':' || (execution_time_ms >= 300)::text, ',' ORDER BY version) FROM migprop_migrations")" \
    "1:false,2:false,3:false,4:true" "up --group: each record's time is its own statements'"
  rm "$d/4_slow.up.sql"
fi

# to VERSION going up groups too; down is never grouped
fresh
expect 0 "to 2 --group" migrate --dir "$d" --db "$DB" to 2 --group
has err "committed the group of 2 migrations" "to 2 --group: one group of two"
expect 0 "down 1" migrate --dir "$d" --db "$DB" down 1
eq "$(sql "SELECT count(*) FROM migprop_migrations")" 1 "down 1 reverted one"

# refused before anything runs
printf -- '-- migprop:no-transaction\nCREATE TABLE n (id integer PRIMARY KEY);\n' >"$d/5_notx.up.sql"
fresh
expect 2 "up --group with a migration outside a transaction is refused" migrate --dir "$d" --db "$DB" up --group
has err "5_notx.up.sql: --group: migration 5 runs outside a transaction" "up --group: names the migration that cannot join"
eq "$(tables)" 0 "up --group refused: nothing applied"
rm "$d/5_notx.up.sql"
if [ "$B" = sqlite ]; then
  printf -- '-- migprop:foreign-keys-off\nCREATE TABLE f (id integer PRIMARY KEY);\n' >"$d/5_fk.up.sql"
  fresh
  expect 2 "up --group with a foreign-keys-off migration is refused" migrate --dir "$d" --db "$DB" up --group
  has err "5_fk.up.sql: --group: migration 5 turns foreign keys off" "up --group: names it"
  eq "$(tables)" 0 "up --group refused: nothing applied"
  rm "$d/5_fk.up.sql"
fi
expect 0 "plan up --group runs nothing" migrate --dir "$d" --db "$DB" plan up --group
has out "would apply 1 t1" "plan up --group: says what would run"
eq "$(tables)" 0 "plan up --group: nothing applied"
mp_t_done
