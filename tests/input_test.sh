#!/usr/bin/env bash
# input_test.sh MIGPROP sqlite|postgres: bad input is answered honestly and
# read-only commands change nothing; every database URL form opens the
# database it names.  PostgreSQL runs under `migprop cluster` (DATABASE_URL,
# PGHOST, PGUSER set).  Prints TAP; exits 1 when a check failed.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init input-test "$1" "$2" t
S=$(cd "$(dirname "$0")" && pwd)
absent() { if [ -e "$1" ]; then bad "$2"; else ok "$2"; fi; }
D=$S/formats/golang-migrate
cd "$W" || exit 2

if [ "$B" = sqlite ]; then
  # ---- bad input ----
  expect 2 "--dir that does not exist: exit 2" migrate --dir "$W/nonexistent" --db sqlite:"$W/a.db" up
  has err "$W/nonexistent" "names the directory"
  absent "$W/a.db" "and creates no database"
  expect 2 "an unknown URL scheme: exit 2" migrate --dir "$D" --db mysql://localhost/x status
  has err "mysql://localhost/x: not a database URL" "names the URL"
  # ---- read-only commands on a database that does not exist ----
  for c in status verify plan; do
    expect 0 "$c on a missing SQLite file" migrate --dir "$D" --db sqlite:"$W/none.db" $c
    has err "no database yet" "$c: says there is no database yet"
    absent "$W/none.db" "$c: creates no file"
  done
  expect 0 "status lists every migration as pending" migrate --dir "$D" --db sqlite:"$W/none.db" status
  has out "0 applied, 3 pending" "status: 3 pending"
  expect 2 "schema of a missing SQLite file: exit 2" schema --db sqlite:"$W/none.db"
  has err "$W/none.db" "schema: names the file"
  absent "$W/none.db" "schema: creates no file"
  # ---- read-only commands on an existing database change nothing ----
  sqlite3 "$W/e.db" "CREATE TABLE keep (id integer PRIMARY KEY);"
  cp "$W/e.db" "$W/e.copy"
  for c in status verify plan; do
    expect 0 "$c on a database without a tracking table" migrate --dir "$D" --db sqlite:"$W/e.db" $c
  done
  expect 0 "schema" schema --db sqlite:"$W/e.db"
  if cmp -s "$W/e.db" "$W/e.copy"; then ok "status, verify, plan, schema left the file byte-identical"; else bad "status, verify, plan, schema left the file byte-identical"; fi
  eq "$(ls "$W" | grep -c '^e\.db')" 1 "and made no journal or WAL file"
  chmod 0444 "$W/e.db"
  expect 0 "status on a read-only file" migrate --dir "$D" --db sqlite:"$W/e.db" status
  chmod 0644 "$W/e.db"
  # ---- every URL form names the same file ----
  expect 0 "sqlite:PATH?query: up" migrate --dir "$D" --db "sqlite:app.db?_foreign_keys=on" up
  if [ -e "$W/app.db" ] && [ "$(ls "$W" | grep -c 'app\.db?')" = 0 ]; then ok "the query is not part of the file name"; else bad "the query is not part of the file name"; fi
  for u in "sqlite:app.db" "sqlite3:app.db" "sqlite://app.db" "sqlite://$W/app.db" "file:app.db" "file:app.db?mode=ro" \
    "file://$W/app.db" "file://localhost$W/app.db" "app.db" "$W/app.db" "./app.db"; do
    expect 0 "$u: status" migrate --dir "$D" --db "$u" status
    has out "3 applied, 0 pending" "$u: the same database"
  done
  expect 1 "file:...?mode=ro: SQLite refuses to write" migrate --dir "$D" --db "file:$W/app.db?mode=ro" down
  has err "readonly" "mode=ro: the query reached SQLite"
  expect 0 "sqlite::memory:" migrate --dir "$D" --db "sqlite::memory:" up
  absent "$W/:memory:" "sqlite::memory: creates no file"
  expect 2 "file://host/... is refused" migrate --dir "$D" --db "file://otherhost/x.db" status
  # ---- DDL that plan loads cannot create files: ATTACH is refused ----
  printf "ATTACH '%s/attached.db' AS x;\nCREATE TABLE x.t(a);\n" "$W" >"$W/attach.sql"
  expect 2 "plan --from DDL with ATTACH: exit 2" plan --from "$W/attach.sql" --to /dev/null --dialect sqlite
  has err "attach.sql:1" "ATTACH: the error names the file and line"
  absent "$W/attached.db" "ATTACH in plan's DDL created no file"
else
  # ---- migprop cluster exports a postgres:// URL ----
  case "$DATABASE_URL" in
  postgres://postgres@/postgres\?host=%2F*) ok "cluster: DATABASE_URL is a postgres:// URL with host= encoded" ;;
  *) echo "$DATABASE_URL" >"$W/err"; bad "cluster: DATABASE_URL is a postgres:// URL with host= encoded" ;;
  esac
  [ -n "${PGHOST:-}" ] && [ -n "${PGUSER:-}" ] && [ -n "${PGDATABASE:-}" ] && ok "cluster: PGHOST, PGUSER, PGDATABASE" || bad "cluster: PGHOST, PGUSER, PGDATABASE"
  psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE u1" >/dev/null || exit 2
  enc=$(printf '%s' "$PGHOST" | sed 's|/|%2F|g')
  # ---- read-only commands create nothing ----
  for c in status verify plan; do
    expect 0 "$c on a database without a tracking table" migrate --dir "$D" --db "postgres://$PGUSER@/u1?host=$enc" $c
  done
  eq "$(psql -X -qtA -d u1 -c "SELECT count(*) FROM pg_tables WHERE tablename = 'migprop_migrations'")" 0 \
    "status, verify, plan created no tracking table"
  # ---- every URL form ----
  expect 0 "postgres:// URL: up" migrate --dir "$D" --db "postgres://$PGUSER@/u1?host=$enc" up
  for u in "postgresql://$PGUSER@/u1?host=$enc" "postgresql:///u1?host=$PGHOST&user=$PGUSER" \
    "host=$PGHOST user=$PGUSER dbname=u1"; do
    expect 0 "$u: status" migrate --dir "$D" --db "$u" status
    has out "3 applied, 0 pending" "$u: the same database"
  done
  DATABASE_URL="host=$PGHOST user=$PGUSER dbname=u1" expect 0 "DATABASE_URL as keywords: status" migrate --dir "$D" status
  has out "3 applied, 0 pending" "DATABASE_URL as keywords: the same database"
  # ---- a server that cannot be reached is exit 2, and check/plan use DATABASE_URL ----
  nowhere="postgres://$PGUSER@/u1?host=%2Fnonexistent"
  expect 2 "migrate: --db that cannot connect" migrate --dir "$D" --db "$nowhere" status
  has err "/nonexistent" "migrate: says where"
  DATABASE_URL=$nowhere expect 2 "check uses DATABASE_URL (postgres:// form)" check --backend postgres --iterations 1 --seed 1
  DATABASE_URL=$nowhere expect 2 "plan uses DATABASE_URL (postgres:// form)" plan --from /dev/null --to /dev/null --dialect postgres
  has err "/nonexistent" "plan: says where"
  expect 0 "check runs on the cluster's DATABASE_URL" check --backend postgres --iterations 3 --seed 1
  expect 2 "check --pg-url that cannot connect" check --backend postgres --iterations 1 --seed 1 --pg-url "host=/nonexistent"
fi
echo "1..$tests"
[ "$fails" -eq 0 ] || { echo "# $fails of $tests failed"; exit 1; }
