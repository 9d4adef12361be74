#!/usr/bin/env bash
# txcontrol_test.sh MIGPROP sqlite|postgres: transaction control inside a
# migration (BEGIN ... COMMIT files as `migprop plan` prints them, a bare
# COMMIT, PRAGMA foreign_keys) and SQLite table rebuilds with foreign keys
# on: the tracking table never says "failed" or "pending" while part of a
# migration is applied.  PostgreSQL runs under `migprop cluster`.  TAP.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init txcontrol-test "$1" "$2" txc
bad() { tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"; sed 's/^/# /' "$W/err" 2>/dev/null | head -5; }
eq() { if [ "$1" = "$2" ]; then ok "$3"; else echo "got '$1' wanted '$2'" >"$W/err"; bad "$3"; fi; }
sql() {
  if [ "$B" = sqlite ]; then sqlite3 "${DB#sqlite:}" "$1" 2>/dev/null; else psql -X -qtA -d "$DB" -c "$1" 2>/dev/null; fi
}
# does table $1 exist?
exists() {
  if [ "$B" = sqlite ]; then sql "SELECT count(*) FROM sqlite_master WHERE name = '$1'"
  else sql "SELECT count(*) FROM pg_tables WHERE tablename = '$1'"; fi
}
# the status of version $1 in the tracking table ("" when none)
status_of() { sql "SELECT status FROM migprop_migrations WHERE version = '$1'"; }
mig() { mkdir -p "$1"; printf '%s\n' "$3" >"$1/$2"; }
# kill_up DIR: `migrate up` of DIR killed with SIGKILL 1.5 s after it started
kill_up() {
  "$M" migrate --dir "$1" --db "$DB" up >/dev/null 2>&1 &
  local pid=$!
  sleep 1.5
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
}
if [ "$B" = sqlite ]; then
  SLOW="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c;"
else
  SLOW="SELECT pg_sleep(4);" # the server finishes it after the kill, holding the lock
fi

# 1. a bare COMMIT then a failing statement: refused before anything runs
d=$W/bare
mig "$d" 1_bare.up.sql "CREATE TABLE a (id int);
INSERT INTO a VALUES (1);
COMMIT;
CREATE TABLE a (id int);"
fresh
expect 2 "bare COMMIT: refused (bad input)" migrate --dir "$d" --db "$DB" up
has err "1_bare.up.sql:3: COMMIT inside a migration" "bare COMMIT: FILE:LINE"
has err "-- migprop:no-transaction" "bare COMMIT: names the directive"
eq "$(exists a)" 0 "bare COMMIT: nothing applied"
eq "$(status_of 1)" "" "bare COMMIT: no record (nothing ran)"

# 2. a BEGIN ... COMMIT file then something slow, killed: refused, so the
#    inner COMMIT can never land before the record
d=$W/after
mig "$d" 1_after.up.sql "BEGIN;
CREATE TABLE a (id int);
COMMIT;
$SLOW"
fresh
expect 2 "statements after COMMIT: refused" migrate --dir "$d" --db "$DB" up
has err "1_after.up.sql:3: COMMIT" "statements after COMMIT: FILE:LINE"
eq "$(exists a)" 0 "statements after COMMIT: nothing applied"

# 3. what `migprop plan` prints, applied as a migration
printf 'CREATE TABLE p (id integer PRIMARY KEY, a text);\nCREATE TABLE c (id integer PRIMARY KEY, p integer REFERENCES p (id) ON DELETE CASCADE);\n' >"$W/from.sql"
printf 'CREATE TABLE p (id integer PRIMARY KEY, a text NOT NULL DEFAULT 0);\nCREATE TABLE c (id integer PRIMARY KEY, p integer REFERENCES p (id) ON DELETE CASCADE);\nCREATE TABLE n (x int);\n' >"$W/to.sql"
d=$W/plan
mig "$d" 1_init.up.sql "$(cat "$W/from.sql")
INSERT INTO p VALUES (1, 'x'), (2, 'y');
INSERT INTO c VALUES (1, 1), (2, 2);"
mkdir -p "$d"
"$M" plan --from "$W/from.sql" --to "$W/to.sql" --dialect "$B" >"$d/2_plan.up.sql" 2>"$W/err" || bad "plan"
grep -q '^BEGIN;' "$d/2_plan.up.sql" && ok "plan prints BEGIN ... COMMIT" || bad "plan prints BEGIN ... COMMIT"
fresh
expect 0 "plan's script: applied" migrate --dir "$d" --db "$DB" up
eq "$(status_of 2)" applied "plan's script: recorded"
eq "$(exists n)" 1 "plan's script: its tables are there"
eq "$(sql 'SELECT count(*) FROM c')" 2 "plan's script: the child rows survive the rebuild"

# 4. a BEGIN ... COMMIT file that fails in its body: "failed" and nothing applied
d=$W/wfail
mig "$d" 1_wfail.up.sql "BEGIN;
CREATE TABLE b (id int);
INSERT INTO nosuch VALUES (1);
COMMIT;"
fresh
expect 1 "failing BEGIN ... COMMIT file: fails" migrate --dir "$d" --db "$DB" up
has err "1_wfail.up.sql:3:" "failing BEGIN ... COMMIT file: the body's line"
eq "$(status_of 1)" failed "failing BEGIN ... COMMIT file: recorded failed"
eq "$(exists b)" 0 "failing BEGIN ... COMMIT file: and really rolled back"

# 5. kill -9 inside a BEGIN ... COMMIT file: nothing applied, a re-run applies it once
d=$W/wkill
mig "$d" 1_wkill.up.sql "BEGIN;
CREATE TABLE k (id int);
INSERT INTO k VALUES (1);
$SLOW
COMMIT;"
fresh
kill_up "$d"
eq "$(exists k)" 0 "killed BEGIN ... COMMIT file: nothing applied"
st=$(status_of 1)
[ "$st" != applied ] && ok "killed BEGIN ... COMMIT file: not recorded applied" || bad "killed: recorded applied"
mig "$d" 1_wkill.up.sql "BEGIN;
CREATE TABLE k (id int);
INSERT INTO k VALUES (1);
SELECT 1;
COMMIT;"
expect 0 "killed BEGIN ... COMMIT file: re-run" migrate --dir "$d" --db "$DB" up
eq "$(sql 'SELECT count(*) FROM k')" 1 "killed BEGIN ... COMMIT file: applied exactly once"

# 6. a no-transaction file may hold its own transactions
d=$W/notx
mig "$d" 1_notx.up.sql "-- migprop:no-transaction
BEGIN;
CREATE TABLE x1 (id int);
COMMIT;
BEGIN;
CREATE TABLE x2 (id int);
COMMIT;"
fresh
expect 0 "no-transaction file with its own transactions: applied" migrate --dir "$d" --db "$DB" up
eq "$(exists x2)" 1 "no-transaction file: both transactions ran"

# 6b. the migration's own savepoints nest in the runner's transaction; a
# failure after them still rolls the whole migration back
d=$W/savepoint
mig "$d" 1_sp.up.sql "CREATE TABLE s (id int);
SAVEPOINT a;
INSERT INTO s VALUES (1);
ROLLBACK TO SAVEPOINT a;
INSERT INTO s VALUES (2);
RELEASE SAVEPOINT a;"
mig "$d" 2_sp_fails.up.sql "SAVEPOINT b;
CREATE TABLE s2 (id int);
RELEASE b;
INSERT INTO nowhere VALUES (1);"
fresh
expect 1 "own savepoints: the first applies, the failing second fails" migrate --dir "$d" --db "$DB" up
eq "$(sql 'SELECT id FROM s')" 2 "own savepoints: ROLLBACK TO undid only the savepoint's insert"
eq "$(exists s2)" 0 "own savepoints: RELEASE did not commit the failing migration's table"
eq "$(status_of 2)" failed "own savepoints: the failed migration is recorded as failed, not applied"
mig "$d" 3_theirs.up.sql "RELEASE SAVEPOINT migprop_migration;"
rm "$d/2_sp_fails.up.sql"
expect 2 "the runner's savepoint: refused" migrate --dir "$d" --db "$DB" up
has err "3_theirs.up.sql:1: SAVEPOINT" "the runner's savepoint: FILE:LINE"

# 5b. kill -9 while the second of two migrations runs (on PostgreSQL the
#     first one's COMMIT goes at the head of the second's query string):
#     the first is applied and recorded, the second neither, a re-run
#     applies the second once
d=$W/kill2
mig "$d" 1_first.up.sql "CREATE TABLE k1 (id int);
INSERT INTO k1 VALUES (1);"
mig "$d" 2_second.up.sql "CREATE TABLE k2 (id int);
INSERT INTO k2 VALUES (1);
$SLOW"
fresh
kill_up "$d"
eq "$(status_of 1)" applied "killed in the second: the first is recorded applied"
eq "$(exists k1)" 1 "killed in the second: the first is applied"
eq "$(exists k2)" 0 "killed in the second: nothing of the second applied"
st=$(status_of 2)
[ "$st" != applied ] && ok "killed in the second: it is not recorded applied" || bad "killed in the second: recorded applied"
mig "$d" 2_second.up.sql "CREATE TABLE k2 (id int);
INSERT INTO k2 VALUES (1);"
expect 0 "killed in the second: re-run" migrate --dir "$d" --db "$DB" up
eq "$(sql 'SELECT count(*) FROM k1') $(sql 'SELECT count(*) FROM k2')" "1 1" "killed in the second: each applied exactly once"

if [ "$B" = sqlite ]; then
  # 7. PRAGMA foreign_keys inside the transaction does nothing: refused
  d=$W/pragma
  mig "$d" 1_pragma.up.sql "CREATE TABLE q (id int);
PRAGMA foreign_keys=OFF;"
  fresh
  expect 2 "PRAGMA foreign_keys in a transaction: refused" migrate --dir "$d" --db "$DB" up
  has err "1_pragma.up.sql:2: PRAGMA foreign_keys" "PRAGMA foreign_keys: FILE:LINE"
  has err "-- migprop:foreign-keys-off" "PRAGMA foreign_keys: names the directive"
  # 8. a parent-table rebuild with foreign keys on would empty the child
  d=$W/rebuild
  mig "$d" 1_init.up.sql "$(cat "$W/from.sql")
INSERT INTO p VALUES (1, 'x'), (2, 'y');
INSERT INTO c VALUES (1, 1), (2, 2);"
  mig "$d" 2_rebuild.up.sql "CREATE TABLE _new_p (id integer PRIMARY KEY, a text NOT NULL DEFAULT 0);
INSERT INTO _new_p SELECT id, a FROM p;
DROP TABLE p;
ALTER TABLE _new_p RENAME TO p;"
  fresh
  expect 2 "rebuild with foreign keys on: refused" migrate --dir "$d" --db "$DB" up
  has err "2_rebuild.up.sql:3: DROP TABLE \"p\"" "rebuild: FILE:LINE"
  has err "-- migprop:foreign-keys-off" "rebuild: names the directive"
  eq "$(sql 'SELECT count(*) FROM c')" 2 "rebuild refused: the child rows are intact"
  eq "$(status_of 2)" "" "rebuild refused: no record"
  sed -i '1i -- migprop:foreign-keys-off' "$d/2_rebuild.up.sql"
  expect 0 "rebuild with the directive: applied" migrate --dir "$d" --db "$DB" up
  eq "$(sql 'SELECT count(*) FROM c')" 2 "rebuild with the directive: the child rows are intact"
fi

echo "1..$tests"
[ "$fails" -eq 0 ]
