#!/usr/bin/env bash
# retry_test.sh MIGPROP sqlite|postgres: transient failures are retried with
# backoff and logged, and the tries are recorded; other failures are never
# retried.  SQLite: another connection holds the write lock past the busy
# timeout.  PostgreSQL (under `migprop cluster`): a lock timeout (55P03)
# behind another session's lock, and the runner's session terminated by
# pg_terminate_backend (57P01, connection lost).  Prints TAP.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init retry-test "$1" "$2" r
d=$W/m
mkdir -p "$d"
echo "CREATE TABLE hot (id integer PRIMARY KEY);" >"$d/1_hot.up.sql"

if [ "$B" = sqlite ]; then
  echo "CREATE TABLE second (id integer PRIMARY KEY);" >"$d/2_second.up.sql"
  # hold SQLite's write lock for 1.5 s from another connection
  hold() { ( (echo "BEGIN IMMEDIATE; CREATE TABLE hold$n (a);"; sleep 1.5; echo "COMMIT;") | sqlite3 "${DB#sqlite:}" ) & sleep 0.3; }
  fresh
  expect 0 "the first migration" migrate --dir "$d" --db "$DB" to 1
  hold
  expect 1 "SQLITE_BUSY with --retries 0 fails" migrate --dir "$d" --db "$DB" --lock-timeout 0.1 --retries 0 up
  hasnt err "retry 1/" "--retries 0: no retry"
  wait
  fresh
  expect 0 "the first migration" migrate --dir "$d" --db "$DB" to 1
  hold
  t0=$(date +%s%N)
  expect 0 "SQLITE_BUSY beyond the busy timeout is retried until the lock is gone" \
    migrate --dir "$d" --db "$DB" --lock-timeout 0.1 --retries 10 --retry-max-ms 400 up
  ms=$((($(date +%s%N) - t0) / 1000000))
  wait
  has err "retry 1/10 of 2 second" "each retry is logged"
  has err "database is locked [5]" "with its reason"
  tries=$(sql "SELECT attempts FROM migprop_migrations WHERE version = '2'")
  [ "$tries" -gt 1 ] && ok "the record says $tries attempts ($ms ms in all)" || bad "the record says more than one attempt (got $tries)"
  echo "# sqlite: lock held 1.5 s, $tries attempts, $ms ms"
else
  echo "SET LOCAL lock_timeout = '100ms'; ALTER TABLE hot ADD COLUMN x integer;" >"$d/2_alter.up.sql"
  hold() { psql -X -q -d "$DB" -c "BEGIN; LOCK TABLE hot; SELECT pg_sleep(1.5); COMMIT;" >/dev/null & sleep 0.3; }
  fresh
  expect 0 "the first migration" migrate --dir "$d" --db "$DB" to 1
  hold
  expect 1 "a lock timeout with --retries 0 fails" migrate --dir "$d" --db "$DB" --retries 0 up
  hasnt err "retry 1/" "--retries 0: no retry"
  has err "2_alter.up.sql:1:" "the error names the file and line"
  wait
  hold
  t0=$(date +%s%N)
  expect 0 "a lock timeout (55P03) is retried until the lock is gone" migrate --dir "$d" --db "$DB" --retries 10 --retry-max-ms 400 up
  ms=$((($(date +%s%N) - t0) / 1000000))
  wait
  has err "[55P03]" "the retry names the SQLSTATE"
  tries=$(sql "SELECT attempts FROM migprop_migrations WHERE version = '2'")
  [ "$tries" -gt 1 ] && ok "the record says $tries attempts ($ms ms in all)" || bad "the record says more than one attempt (got $tries)"
  echo "# postgres 55P03: lock held 1.5 s, $tries attempts, $ms ms"
  # the session killed mid-migration: reconnect, lock again, run it again
  echo "SELECT pg_sleep(1.5); CREATE TABLE after_sleep (id integer);" >"$d/3_sleep.up.sql"
  ( sleep 0.5; psql -X -qtA -d "$DB" -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(1.5); CREATE%' AND pid <> pg_backend_pid()" >"$W/killed" ) &
  expect 0 "a terminated session (57P01) is reconnected and the migration retried" migrate --dir "$d" --db "$DB" up
  wait
  eq "$(cat "$W/killed")" 1 "the runner's session was terminated once"
  has err "retry 1/3 of 3 sleep" "the retry is logged"
  eq "$(sql "SELECT attempts FROM migprop_migrations WHERE version = '3'")" 2 "two attempts recorded"
  eq "$(sql "SELECT count(*) FROM after_sleep")" 0 "the migration ran to its end"
fi
# a migration's own error is never retried
echo "CREATE TABLE broken (id integer PRIMARY KEY" >"$d/9_broken.up.sql"
expect 1 "a syntax error fails" migrate --dir "$d" --db "$DB" up
hasnt err "retry 1/" "a syntax error is not retried"
eq "$(sql "SELECT status || ' ' || attempts FROM migprop_migrations WHERE version = '9'")" "failed 1" "recorded as failed after one attempt"
# a tracking table of the first shape is upgraded in place, once
d=$W/old
mkdir -p "$d"
echo "CREATE TABLE hot (id integer PRIMARY KEY);" >"$d/1_hot.up.sql"
echo "CREATE TABLE later (id integer PRIMARY KEY);" >"$d/2_later.up.sql"
fresh
at=TEXT
[ "$B" = postgres ] && at=timestamptz
sql "CREATE TABLE migprop_migrations (version TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at $at NOT NULL, execution_ms INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, error TEXT)"
sum=$(sha256sum "$d/1_hot.up.sql" | cut -c1-64)
sql "INSERT INTO migprop_migrations VALUES ('1', 'hot', '$sum', '2024-01-01T00:00:00Z', 7, 'applied', NULL)"
expect 0 "status reads the old shape" migrate --dir "$d" --db "$DB" status
has out "1 applied, 1 pending" "old shape: the record is read"
expect 0 "up upgrades the old shape" migrate --dir "$d" --db "$DB" up
expect 0 "and again" migrate --dir "$d" --db "$DB" up
eq "$(sql "SELECT execution_time_ms || ' ' || attempts FROM migprop_migrations WHERE version = '1'")" "7 1" \
  "old shape: execution_ms became execution_time_ms, attempts 1"
echo "1..$tests"
[ "$fails" -eq 0 ] || { echo "# $fails of $tests failed"; exit 1; }
