#!/usr/bin/env bash
# migrate_test.sh MIGPROP sqlite|postgres: the executor (`migprop migrate`)
# end to end, through the command line, on one backend.  PostgreSQL runs
# under `migprop cluster` (PGHOST, PGUSER set).  Prints TAP; exits 1 when a
# check failed.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init migrate-test "$1" "$2" t

mig() { # mig DIR FILE TEXT
  mkdir -p "$1"
  printf '%s\n' "$3" >"$1/$2"
}

# ---- discovery: every format ----
for f in pairs dbmate sqlmigrate updown diesel; do
  d=$W/fmt_$f
  case $f in
  pairs)
    mig "$d" 1_one.up.sql "CREATE TABLE one (id integer PRIMARY KEY);"
    mig "$d" 1_one.down.sql "DROP TABLE one;"
    mig "$d" 2_two.up.sql "CREATE TABLE two (id integer PRIMARY KEY);"
    mig "$d" 2_two.down.sql "DROP TABLE two;" ;;
  dbmate)
    mig "$d" 20240101000000_one.sql "$(printf -- '-- migrate:up\nCREATE TABLE one (id integer PRIMARY KEY);\n-- migrate:down\nDROP TABLE one;')"
    mig "$d" 20240102000000_two.sql "$(printf -- '-- migrate:up\nCREATE TABLE two (id integer PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE two;')" ;;
  sqlmigrate)
    mig "$d" 1_one.sql "$(printf -- '-- +migrate Up\nCREATE TABLE one (id integer PRIMARY KEY);\n-- +migrate Down\nDROP TABLE one;')"
    mig "$d" 2_two.sql "$(printf -- '-- +migrate Up\nCREATE TABLE two (id integer PRIMARY KEY);\n-- +migrate Down\nDROP TABLE two;')" ;;
  updown)
    mig "$d" 001_one.sql "$(printf -- '-- UP\nCREATE TABLE one (id integer PRIMARY KEY);\n-- DOWN\nDROP TABLE one;')"
    mig "$d" 002_two.sql "$(printf -- '-- UP\nCREATE TABLE two (id integer PRIMARY KEY);\n-- DOWN\nDROP TABLE two;')" ;;
  diesel)
    mig "$d/2024-01-01-000000_one" up.sql "CREATE TABLE one (id integer PRIMARY KEY);"
    mig "$d/2024-01-01-000000_one" down.sql "DROP TABLE one;"
    mig "$d/2024-01-02-000000_two" up.sql "CREATE TABLE two (id integer PRIMARY KEY);"
    mig "$d/2024-01-02-000000_two" down.sql "DROP TABLE two;" ;;
  esac
  fresh
  expect 0 "$f: up" migrate --dir "$d" --db "$DB" up
  has err "2 migrations applied" "$f: both applied"
  expect 0 "$f: status" migrate --dir "$d" --db "$DB" status
  has out "2 applied, 0 pending" "$f: status counts"
  expect 0 "$f: down" migrate --dir "$d" --db "$DB" down
  expect 0 "$f: schema" schema --db "$DB"
  if grep -q '"two"' "$W/out" || ! grep -q '"one"' "$W/out"; then bad "$f: down reverted the newest only"; else ok "$f: down reverted the newest only"; fi
done

# duplicate version, mixed formats, bad names
d=$W/dup
mig "$d" 1_a.up.sql "SELECT 1;"
mig "$d" 01_b.up.sql "SELECT 1;"
fresh
expect 2 "duplicate version is an error" migrate --dir "$d" --db "$DB" up
has err "1_a.up.sql" "duplicate: names the first file"
has err "01_b.up.sql" "duplicate: names the second file"
d=$W/mixed
mig "$d" 1_a.up.sql "SELECT 1;"
mig "$d" 2_b.sql "-- UP
SELECT 1;"
expect 2 "mixed formats are an error" migrate --dir "$d" --db "$DB" up
has err "several formats" "mixed: says so"
d=$W/noup
mig "$d" 1_a.sql "SELECT 1;"
expect 2 "a single file without an up marker is an error" migrate --dir "$d" --format single --db "$DB" up
has err "1_a.sql" "no marker: names the file"

# ---- statements the database must split itself ----
d=$W/stmts
if [ "$B" = postgres ]; then
  mig "$d" 1_body.up.sql "CREATE TABLE t (id int PRIMARY KEY, s text);
CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS \$body\$ BEGIN RETURN 'a;b'; END; \$body\$;
INSERT INTO t VALUES (1, f()), (2, 'x;y'), (3, \$\$it's; ok\$\$); -- trailing; comment
/* a ; block */ INSERT INTO t VALUES (4, E'back\\\\slash;');"
else
  mig "$d" 1_body.up.sql "CREATE TABLE t (id integer PRIMARY KEY, s text);
CREATE TRIGGER trg AFTER INSERT ON t WHEN new.id = 5 BEGIN UPDATE t SET s = 'trig;ger' WHERE id = 5; END;
INSERT INTO t VALUES (1, 'a;b'), (2, 'x;y'), (3, 'it''s; ok'); -- trailing; comment
/* a ; block */ INSERT INTO t VALUES (4, 'back\\slash;'), (5, NULL);"
fi
fresh
expect 0 "semicolons in bodies, strings and comments" migrate --dir "$d" --db "$DB" up
got=$(sql "SELECT count(*) FROM t WHERE s LIKE '%;%'")
if [ "$B" = postgres ]; then eq "$got" 4 "every row intact"; else eq "$got" 5 "every row intact (trigger ran)"; fi

# ---- errors: file, line, rollback, record, re-run after the fix ----
d=$W/errs
mig "$d" 1_a.up.sql "CREATE TABLE a (id integer PRIMARY KEY);"
mig "$d" 2_b.up.sql "CREATE TABLE b (id integer PRIMARY KEY);
INSERT INTO b VALUES (1);

INSERT INTO a VALUES (1), (1);"
fresh
expect 1 "a failing migration exits 1" migrate --dir "$d" --db "$DB" up
has err "2_b.up.sql:4:" "the error names the file and the statement's line"
eq "$(sql "SELECT status FROM migprop_migrations WHERE version = '2'")" failed "the failure is recorded"
eq "$(sql "SELECT status FROM migprop_migrations WHERE version = '1'")" applied "the migration before it stays applied"
expect 0 "schema after the failure" schema --db "$DB"
if grep -q '"b"' "$W/out"; then bad "the failed migration left nothing behind"; else ok "the failed migration left nothing behind"; fi
mig "$d" 2_b.up.sql "CREATE TABLE b (id integer PRIMARY KEY);
INSERT INTO b VALUES (1);"
expect 0 "a re-run after the fix succeeds" migrate --dir "$d" --db "$DB" up
eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'")" 2 "both recorded as applied"

# ---- tracking table: custom name, idempotent creation ----
fresh
expect 0 "--table" migrate --dir "$d" --db "$DB" --table my_versions up
eq "$(sql "SELECT count(*) FROM my_versions")" 2 "--table: rows in the named table"
expect 0 "--table: second up" migrate --dir "$d" --db "$DB" --table my_versions up
has err "0 migrations applied" "a second up applies nothing"
eq "$(sql "SELECT length(checksum) FROM my_versions WHERE version = '1'")" 64 "SHA-256 checksum recorded"

# ---- safety checks: changed, missing, out of order ----
d=$W/safe
mig "$d" 1_a.up.sql "CREATE TABLE a (id integer PRIMARY KEY);"
mig "$d" 3_c.up.sql "CREATE TABLE c (id integer PRIMARY KEY);"
fresh
expect 0 "safety: up" migrate --dir "$d" --db "$DB" up
echo "-- edited" >>"$d/1_a.up.sql"
expect 1 "a changed applied migration blocks up" migrate --dir "$d" --db "$DB" up
has err "1_a.up.sql: changed after it was applied" "changed: names the file"
has err "applied checksum" "changed: gives both checksums"
expect 1 "verify reports the change" migrate --dir "$d" --db "$DB" verify
has out "1 problem" "verify counts it"
mig "$d" 1_a.up.sql "CREATE TABLE a (id integer PRIMARY KEY);"
expect 0 "verify is clean again" migrate --dir "$d" --db "$DB" verify
mig "$d" 2_b.up.sql "CREATE TABLE b (id integer PRIMARY KEY);"
expect 1 "an out-of-order pending migration blocks up" migrate --dir "$d" --db "$DB" up
has err "2_b.up.sql: pending, but older" "out of order: names the file"
expect 0 "--allow-out-of-order applies it" migrate --dir "$d" --db "$DB" --allow-out-of-order up
rm "$d/3_c.up.sql"
expect 1 "a missing applied migration blocks up" migrate --dir "$d" --db "$DB" up
has err "applied migration 3 (c) has no file" "missing: named"
expect 1 "verify reports the missing file" migrate --dir "$d" --db "$DB" verify

# ---- down, to, plan, irreversible ----
d=$W/ud
mig "$d" 1_a.up.sql "CREATE TABLE a (id integer PRIMARY KEY);"
mig "$d" 1_a.down.sql "DROP TABLE a;"
mig "$d" 2_b.up.sql "CREATE TABLE b (id integer PRIMARY KEY);"
mig "$d" 2_b.down.sql "DROP TABLE b;"
mig "$d" 3_c.up.sql "CREATE TABLE c (id integer PRIMARY KEY);"
mig "$d" 3_c.down.sql "-- only a comment"
mig "$d" 4_d.up.sql "CREATE TABLE d (id integer PRIMARY KEY);"
mig "$d" 4_d.down.sql "DROP TABLE d;"
fresh
expect 0 "plan (dry run)" migrate --dir "$d" --db "$DB" plan
has out "would apply 4 d" "plan lists what would run"
# a dry run creates nothing: no database file, no tracking table
if [ "$B" = sqlite ]; then
  if [ -e "${DB#sqlite:}" ]; then bad "plan created no database file"; else ok "plan created no database file"; fi
else
  eq "$(sql "SELECT count(*) FROM pg_tables WHERE tablename = 'migprop_migrations'")" 0 "plan created no tracking table"
fi
expect 0 "to 2" migrate --dir "$d" --db "$DB" to 2
eq "$(sql "SELECT count(*) FROM migprop_migrations")" 2 "to 2 applied two"
expect 0 "up" migrate --dir "$d" --db "$DB" up
expect 0 "down 1" migrate --dir "$d" --db "$DB" down 1
expect 1 "down through an irreversible migration refuses" migrate --dir "$d" --db "$DB" down 2
has err "irreversible" "irreversible: says so"
eq "$(sql "SELECT count(*) FROM migprop_migrations")" 3 "irreversible: nothing reverted, record kept"
expect 1 "to 0 through an irreversible migration refuses" migrate --dir "$d" --db "$DB" to 0
expect 1 "plan down 1 refuses the irreversible migration too" migrate --dir "$d" --db "$DB" plan down 1
has err "irreversible" "plan: says why"
expect 2 "to an unknown version is an error" migrate --dir "$d" --db "$DB" to 9
mig "$d" 3_c.down.sql "DROP TABLE c;"
expect 0 "verify: down files are not checksummed" migrate --dir "$d" --db "$DB" verify
expect 0 "to 0 once every down exists" migrate --dir "$d" --db "$DB" to 0
eq "$(sql "SELECT count(*) FROM migprop_migrations")" 0 "to 0: every record gone"
expect 0 "to 0: schema" schema --db "$DB"
eq "$(cat "$W/out")" "" "to 0: empty schema"

# ---- the record: execution time, a line comment at the end, a quote in the name ----
d=$W/record
if [ "$B" = postgres ]; then slow="SELECT pg_sleep(0.3);"; else slow="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) FROM c;"; fi
mig "$d" "1_it's_slow.up.sql" "CREATE TABLE r (id integer PRIMARY KEY);
$slow
INSERT INTO r VALUES (1); -- a last comment, no newline after it"
printf '%s' "$(cat "$d/1_it's_slow.up.sql")" >"$d/1_it's_slow.up.sql"
fresh
expect 0 "a migration ending in a line comment" migrate --dir "$d" --db "$DB" up
eq "$(sql "SELECT name || ' ' || status FROM migprop_migrations WHERE version = '1'")" "it's_slow applied" \
  "its record: the name with its quote, applied"
eq "$(sql "SELECT count(*) FROM r")" 1 "its last statement ran"
ms=$(sql "SELECT execution_time_ms FROM migprop_migrations WHERE version = '1'")
if [ "$B" = postgres ]; then
  [ "$ms" -ge 300 ] && [ "$ms" -lt 5000 ] && ok "the record's time is the statements' ($ms ms)" ||
    bad "the record's time is the statements' (got $ms ms, wanted 300 .. 5000)"
else
  [ "$ms" -gt 0 ] && ok "the record's time is the statements' ($ms ms)" || bad "the record's time (got $ms ms)"
fi

# ---- outside a transaction: dirty state and repair ----
d=$W/notx
mig "$d" 1_a.up.sql "CREATE TABLE a (id integer PRIMARY KEY, s text);"
if [ "$B" = postgres ]; then
  mig "$d" 2_ix.up.sql "-- migprop:no-transaction
CREATE INDEX CONCURRENTLY a_s ON a (s);"
else
  mig "$d" 2_ix.up.sql "-- migprop:no-transaction
CREATE INDEX a_s ON a (s);
VACUUM;"
fi
mig "$d" 3_bad.up.sql "-- migprop:no-transaction
CREATE TABLE half (id integer PRIMARY KEY);
INSERT INTO missing VALUES (1);"
fresh
expect 1 "a failing migration outside a transaction exits 1" migrate --dir "$d" --db "$DB" up
eq "$(sql "SELECT status FROM migprop_migrations WHERE version = '2'")" applied "no-transaction migration applied"
eq "$(sql "SELECT status FROM migprop_migrations WHERE version = '3'")" dirty "the half-done one is dirty"
has err "3_bad.up.sql:3:" "no-transaction error names the line"
expect 1 "a dirty database blocks up" migrate --dir "$d" --db "$DB" up
has err "dirty" "dirty: says so"
has err "repair" "dirty: says how to recover"
expect 1 "verify reports the dirty state" migrate --dir "$d" --db "$DB" verify
sql "DROP TABLE half" >/dev/null
mig "$d" 3_bad.up.sql "-- migprop:no-transaction
CREATE TABLE half (id integer PRIMARY KEY);"
expect 0 "repair" migrate --dir "$d" --db "$DB" repair
has out "cleared 3" "repair: names what it cleared"
expect 0 "up after repair" migrate --dir "$d" --db "$DB" up
eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'")" 3 "all applied after repair"

# ---- new ----
d=$W/new
mig "$d" 0007_a.up.sql "SELECT 1;"
expect 0 "new" migrate --dir "$d" new add_things
has out "0008_add_things.up.sql" "new: next version, same width"
[ -f "$d/0008_add_things.down.sql" ] && ok "new: down file" || bad "new: down file"
expect 2 "new without a name" migrate --dir "$d" new

# ---- targets ----
if [ "$B" = postgres ]; then
  d=$W/fmt_pairs
  psql -X -q -d postgres -c "CREATE DATABASE kw" >/dev/null
  expect 0 "libpq keyword string target" migrate --dir "$d" --db "host=$PGHOST user=$PGUSER dbname=kw" up
  DATABASE_URL="postgres:///kw?host=$PGHOST&user=$PGUSER" "$M" migrate --dir "$d" status >"$W/out" 2>"$W/err" &&
    grep -q "2 applied" "$W/out" && ok "DATABASE_URL with postgres://" || bad "DATABASE_URL with postgres://"
fi
expect 2 "an unknown URL scheme is an error" migrate --dir "$W/fmt_pairs" --db "mysql://x" up
expect 2 "an unreachable database is an error" migrate --dir "$W/fmt_pairs" --db "sqlite:$W/no/such/dir/db" up

# ---- concurrency: 4 runners at once, each migration exactly once ----
d=$W/conc
mig "$d" 0001_runs.up.sql "CREATE TABLE runs (v integer NOT NULL);"
for i in $(seq 2 20); do
  if [ $((i % 5)) -eq 0 ]; then
    mig "$d" "$(printf %04d "$i")_m.up.sql" "-- migprop:no-transaction
INSERT INTO runs VALUES ($i);"
  else
    mig "$d" "$(printf %04d "$i")_m.up.sql" "INSERT INTO runs VALUES ($i);
CREATE TABLE t$i (id integer PRIMARY KEY);"
  fi
done
for round in 1 2 3 4 5; do
  fresh
  pids=""
  for k in 1 2 3 4; do
    "$M" migrate --dir "$d" --db "$DB" --quiet up >"$W/c$k.out" 2>"$W/c$k.err" &
    pids="$pids $!"
  done
  st=0
  for p in $pids; do wait "$p" || st=1; done
  cp "$W/c1.err" "$W/err"
  cat "$W"/c?.err >"$W/err"
  [ $st -eq 0 ] && ok "round $round: 4 concurrent runners all exit 0" || bad "round $round: 4 concurrent runners all exit 0"
  eq "$(sql "SELECT count(*) || '/' || count(DISTINCT v) FROM runs")" "19/19" "round $round: every migration ran exactly once"
  eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE status = 'applied'")" 20 "round $round: 20 records"
done

# ---- the lock timeout ----
d=$W/fmt_pairs
fresh
if [ "$B" = postgres ]; then
  psql -X -qtA -d "$DB" -c "SELECT pg_advisory_lock(1835626608, hashtext(current_schema() || '.' || 'migprop_migrations')), pg_sleep(3)" >/dev/null &
else
  "$M" migrate --dir "$d" --db "$DB" --quiet status >/dev/null # creates the file
  flock "${DB#sqlite:}" sleep 3 &
fi
holder=$!
sleep 0.5
expect 1 "--lock-timeout: gives up when another runner holds the lock" migrate --dir "$d" --db "$DB" --lock-timeout 0.3 up
has err "held the migration lock" "--lock-timeout: says why"
wait "$holder"
expect 0 "--lock-timeout: works once the lock is free" migrate --dir "$d" --db "$DB" --lock-timeout 0.3 up

# ---- PostgreSQL: a migration's COMMIT goes at the head of the next one's
# query string; what a failure of that string means for each of them ----
if [ "$B" = postgres ]; then
  # the tracking table as "VERSION STATUS, ..."
  records() { sql "SELECT string_agg(version || ' ' || status, ', ' ORDER BY version) FROM migprop_migrations"; }
  d=$W/carry
  mig "$d" 1_a.up.sql "CREATE TABLE ca (id integer PRIMARY KEY);"
  mig "$d" 2_slow.up.sql "INSERT INTO ca VALUES (1);
SELECT pg_sleep(0.3);"
  mig "$d" 3_bad.up.sql "INSERT INTO ca VALUES (2);
SELECT (1"
  fresh
  # the server refuses the third's string before it runs any of it, so
  # the second's COMMIT it carried did not run either
  expect 1 "carried COMMIT, a syntax error after it: fails" migrate --dir "$d" --db "$DB" up
  has err "3_bad.up.sql:2: syntax error at end of input" "carried COMMIT: the syntax error names its file and line"
  has err "applied 2 slow" "carried COMMIT: the migration before is reported applied"
  eq "$(records)" "1 applied, 2 applied, 3 failed" "carried COMMIT: the records say what happened"
  eq "$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM ca")" "1" "carried COMMIT: the second applied once, the third not"
  ms=$(sql "SELECT execution_time_ms FROM migprop_migrations WHERE version = '2'")
  [ "$ms" -ge 300 ] && [ "$ms" -lt 5000 ] && ok "carried COMMIT: the record's time is the statements' ($ms ms)" ||
    bad "carried COMMIT: the record's time (got $ms ms, wanted 300 .. 5000)"
  ms=$(sql "SELECT execution_time_ms FROM migprop_migrations WHERE version = '1'")
  [ "$ms" -lt 300 ] && ok "carried COMMIT: the first's time is its own ($ms ms)" || bad "carried COMMIT: the first's time (got $ms ms)"

  # a deferred foreign key fails at COMMIT: in the next one's string, and
  # at the end of the run
  for last in no yes; do
    d=$W/deferred_$last
    mig "$d" 1_p.up.sql "CREATE TABLE dp (id integer PRIMARY KEY);
CREATE TABLE dc (p integer REFERENCES dp DEFERRABLE INITIALLY DEFERRED);"
    mig "$d" 2_orphan.up.sql "INSERT INTO dc VALUES (7);"
    [ $last = no ] && mig "$d" 3_after.up.sql "CREATE TABLE d3 (id integer);"
    fresh
    expect 1 "COMMIT fails (last: $last): the run fails" migrate --dir "$d" --db "$DB" up
    has err "committing 2 orphan: " "COMMIT fails (last: $last): the error names the migration"
    has err "violates foreign key constraint" "COMMIT fails (last: $last): and the server's reason"
    eq "$(records)" "1 applied" "COMMIT fails (last: $last): only the first is recorded"
    eq "$(sql "SELECT count(*) FROM dc") $(sql "SELECT count(*) FROM pg_tables WHERE tablename = 'd3'")" "0 0" \
      "COMMIT fails (last: $last): nothing of the second, the third never ran"
    has err "applied 1 p" "COMMIT fails (last: $last): the first is reported applied"
    if grep -q "applied 2 orphan\|WARNING" "$W/err"; then bad "COMMIT fails (last: $last): the second not reported applied, no warning"; else ok "COMMIT fails (last: $last): the second not reported applied, no warning"; fi
  done
fi

# ---- a long history: 53 migrations, up, re-up, verify, status, to and back ----
d=$W/hist
"$(dirname "$0")/make_history.sh" "$d" "$B"
fresh
H1=$DB
expect 0 "history: up" migrate --dir "$d" --db "$DB" up
has err "53 migrations applied" "history: 53 applied"
expect 0 "history: re-up" migrate --dir "$d" --db "$DB" up
has err "0 migrations applied" "history: re-up applies nothing"
expect 0 "history: verify" migrate --dir "$d" --db "$DB" verify
has out "0 problems" "history: verify clean"
expect 0 "history: status" migrate --dir "$d" --db "$DB" status
has out "53 applied, 0 pending" "history: status"
"$M" schema --db "$DB" --names >"$W/full.schema"
grep -q 'references "first"' "$W/full.schema" && ok "history: FK follows the table rename" || bad "history: FK follows the table rename"
expect 0 "history: to 030" migrate --dir "$d" --db "$DB" to 030
"$M" schema --db "$DB" >"$W/mid.schema"
fresh
expect 0 "history: a fresh database to 030" migrate --dir "$d" --db "$DB" to 030
"$M" schema --db "$DB" >"$W/mid2.schema"
if cmp -s "$W/mid.schema" "$W/mid2.schema"; then ok "history: down to 030 = up to 030"; else diff "$W/mid.schema" "$W/mid2.schema" >"$W/err"; bad "history: down to 030 = up to 030"; fi
DB=$H1
expect 0 "history: back up" migrate --dir "$d" --db "$DB" up
"$M" schema --db "$DB" --names >"$W/full2.schema"
if cmp -s "$W/full.schema" "$W/full2.schema"; then ok "history: down and up again gives the same schema"; else diff "$W/full.schema" "$W/full2.schema" >"$W/err"; bad "history: down and up again gives the same schema"; fi
eq "$(sql "SELECT title FROM t13 WHERE id = 1")" "a!" "history: data followed"
expect 1 "history: to 0 stops at the irreversible data change" migrate --dir "$d" --db "$DB" to 0

echo "1..$tests"
[ "$fails" -eq 0 ] || { echo "# $fails of $tests failed" >&2; exit 1; }
