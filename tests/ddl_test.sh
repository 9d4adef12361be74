#!/usr/bin/env bash
# ddl_test.sh MIGPROP sqlite|postgres: real-DDL fidelity.  What the schema
# model cannot hold is named, never dropped in silence: `schema` and `plan`
# refuse it (exit 2, each object named) unless --ignore-unmodelled, and the
# canonical form lists it, so two databases that differ only there never
# print alike.  The SQLite expression index that used to crash the printer,
# expression defaults that lost their parentheses, FK checks that only
# printed, REFERENCES without a column list.  Plans are applied with
# sqlite3 -bail / psql -v ON_ERROR_STOP=1.  PostgreSQL: run under
# `migprop cluster` (DATABASE_URL).  Prints TAP; exits 1 when a check failed.
set -u
M=$1 D=$2
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/ddl_test.XXXXXX")
trap 'rm -rf "$W"' EXIT
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() {
  tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"
  sed 's/^/# /' "$W/out" "$W/err" 2>/dev/null | head -20
}
# check NAME CMD...: CMD exits 0
check() { local n=$1; shift; if "$@" >"$W/out" 2>"$W/err"; then ok "$n"; else bad "$n (exit $?)"; fi; }
# expect_exit N NAME CMD...: CMD exits N
expect_exit() {
  local want=$1 n=$2; shift 2
  "$@" >"$W/out" 2>"$W/err"; local st=$?
  if [ $st -eq "$want" ]; then ok "$n"; else bad "$n (exit $st, want $want)"; fi
}
# has NAME FILE TEXT...: FILE holds every TEXT
has() {
  local n=$1 f=$2; shift 2
  for t in "$@"; do
    if ! grep -qF -- "$t" "$f"; then bad "$n: says \"$t\""; return; fi
  done
  ok "$n"
}
: >"$W/empty.sql"

if [ "$D" = sqlite ]; then
  db() { rm -f "$W/$1.db"; sqlite3 -bail "$W/$1.db" <"$2"; }
  url() { echo "sqlite:$W/$1.db"; }
  apply() { sqlite3 -bail "$W/$1.db" <"$2"; }
  fixture=$HERE/ddl/sqlite_unmodelled.sql
  # (AUTOINCREMENT, COLLATE, generated columns, STRICT, WITHOUT ROWID and
  # DEFERRABLE in the fixture are modelled: tests/colfeat_test.sh; the CHECK
  # and the expression, partial and DESC indexes too: tests/checkidx_test.sh)
  names=(
         "table c: foreign key to missing table nowhere2 without columns")
else
  [ -n "${DATABASE_URL:-}" ] || { echo "1..0 # SKIP no DATABASE_URL (run under migprop cluster)"; exit 0; }
  # keyword form, so that keywords can be appended (DATABASE_URL is a
  # postgres:// URL); a later keyword overrides an earlier one
  KW="host=${PGHOST:?} port=${PGPORT:-5432} user=${PGUSER:?} dbname=${PGDATABASE:-postgres}"
  n=0
  db() {
    psql -q "$KW" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS ddl_$1 CASCADE; CREATE SCHEMA ddl_$1" >/dev/null &&
      PGOPTIONS="-c search_path=ddl_$1" psql -q -v ON_ERROR_STOP=1 "$KW" -f "$2" >/dev/null
  }
  url() { echo "$KW options=-csearch_path=ddl_$1"; }
  apply() { PGOPTIONS="-c search_path=ddl_$1" psql -q -v ON_ERROR_STOP=1 "$KW" -f "$2" >/dev/null; }
  fixture=$HERE/ddl/pg_unmodelled.sql
  # (serial, identity, generated columns, COLLATE, free_seq and the
  # DEFERRABLE key in the fixture are modelled: tests/colfeat_test.sh; the
  # CHECK and the indexes qe..qc too: tests/checkidx_test.sh)
  # (enum types and domains too: tests/types_test.sh)
  names=("composite type pair" "type fr (range)"
         "table p: EXCLUDE constraint" "table u: CHECK constraint u_x_ni NO INHERIT"
         "table p: column m of type pair (composite)"
         "table p: column d of type fr (range)" "table u: UNLOGGED"
         "UNIQUE NULLS NOT DISTINCT (z)"
         "table q: comment on the table"
         "table part: partitioned" "table part1: a partition" "table kid: inherits")
fi

# 1. every unmodelled object is named: schema refuses, --ignore-unmodelled lists
check "$D: the fixture loads" db um "$fixture"
expect_exit 2 "$D: schema refuses a database with unmodelled objects" "$M" schema --db "$(url um)"
has "$D: schema names every unmodelled object" "$W/err" "${names[@]}"
expect_exit 0 "$D: schema --ignore-unmodelled prints" "$M" schema --db "$(url um)" --ignore-unmodelled
has "$D: the canonical form lists them" "$W/out" "# not modelled: ${names[0]}"
# plan loads the fixture on a cluster of its own: on this test's server the
# extension it creates exists already (step 1 created it), and
# CREATE EXTENSION IF NOT EXISTS would then create nothing to name
expect_exit 2 "$D: plan refuses unmodelled objects" env -u DATABASE_URL "$M" plan --from "$W/empty.sql" --to "$fixture" --dialect "$D"
has "$D: plan names them" "$W/err" "${names[@]}"
expect_exit 0 "$D: plan --ignore-unmodelled plans" env -u DATABASE_URL "$M" plan --from "$W/empty.sql" --to "$fixture" --dialect "$D" --ignore-unmodelled
has "$D: plan lists them as comments" "$W/out" "-- not modelled: ${names[0]}"

# 2. two databases that differ only in a CHECK constraint never print alike
printf 'CREATE TABLE t(n int);\n' >"$W/a.sql"
printf 'CREATE TABLE t(n int CHECK (n > 0));\n' >"$W/b.sql"
db ca "$W/a.sql"; db cb "$W/b.sql"
"$M" schema --db "$(url ca)" --ignore-unmodelled >"$W/ca.txt" 2>&1
"$M" schema --db "$(url cb)" --ignore-unmodelled >"$W/cb.txt" 2>&1
if cmp -s "$W/ca.txt" "$W/cb.txt"; then bad "$D: a CHECK constraint makes the canonical forms differ"
else ok "$D: a CHECK constraint makes the canonical forms differ"; fi

# 2b. column order: schema compares columns by name unless --strict-column-order
printf 'CREATE TABLE t(a int, b int);\n' >"$W/o1.sql"; printf 'CREATE TABLE t(b int, a int);\n' >"$W/o2.sql"
db o1 "$W/o1.sql"; db o2 "$W/o2.sql"
if cmp -s <("$M" schema --db "$(url o1)") <("$M" schema --db "$(url o2)"); then ok "$D: schema ignores column order"
else bad "$D: schema ignores column order"; fi
if cmp -s <("$M" schema --db "$(url o1)" --strict-column-order) <("$M" schema --db "$(url o2)" --strict-column-order); then
  bad "$D: --strict-column-order compares it"; else ok "$D: --strict-column-order compares it"; fi

# 3. expression defaults keep their parentheses and the plan applies
if [ "$D" = sqlite ]; then
  printf "CREATE TABLE t(id integer PRIMARY KEY, ts int DEFAULT (strftime('%%s','now')), j text DEFAULT (json('{}')), n int DEFAULT -1, s text DEFAULT 'x''y');\n" >"$W/def.sql"
else
  printf "CREATE TABLE t(id integer PRIMARY KEY, ts timestamptz DEFAULT now(), j jsonb DEFAULT '{}'::jsonb, n int DEFAULT -1, s text DEFAULT 'x''y');\n" >"$W/def.sql"
fi
expect_exit 0 "$D: plan EMPTY -> expression defaults" "$M" plan --from "$W/empty.sql" --to "$W/def.sql" --dialect "$D"
cp "$W/out" "$W/def.plan"
db dd "$W/empty.sql"
check "$D: the plan with expression defaults applies" apply dd "$W/def.plan"
db de "$W/def.sql"
"$M" schema --db "$(url dd)" >"$W/dd.txt" 2>&1; "$M" schema --db "$(url de)" >"$W/de.txt" 2>&1
if cmp -s "$W/dd.txt" "$W/de.txt"; then ok "$D: ... and recreates the defaults"
else diff "$W/de.txt" "$W/dd.txt" >"$W/out"; bad "$D: ... and recreates the defaults"; fi
check "$D: defaults: --format to-ddl applies" sh -c "'$M' plan --from '$W/empty.sql' --to '$W/def.sql' --dialect $D --format to-ddl >'$W/def.ddl'"
db dt "$W/def.ddl" && ok "$D: ... the DDL loads" || bad "$D: ... the DDL loads"

# 3b. ... and are added to a table with rows (SQLite: ADD COLUMN refuses a
# non-constant default there, so the planner rebuilds)
printf 'CREATE TABLE t(id integer PRIMARY KEY);\n' >"$W/def0.sql"
expect_exit 0 "$D: plan adds expression-default columns" "$M" plan --from "$W/def0.sql" --to "$W/def.sql" --dialect "$D"
cp "$W/out" "$W/def0.plan"
db dr "$W/def0.sql"
if [ "$D" = sqlite ]; then sqlite3 "$W/dr.db" 'INSERT INTO t VALUES (1);'
else PGOPTIONS="-c search_path=ddl_dr" psql -q "$KW" -c 'INSERT INTO t VALUES (1)'; fi
check "$D: ... and the plan applies to a table with rows" apply dr "$W/def0.plan"
"$M" schema --db "$(url dr)" >"$W/dr.txt" 2>&1
if cmp -s "$W/dr.txt" "$W/de.txt"; then ok "$D: ... reaching the schema"
else diff "$W/de.txt" "$W/dr.txt" >"$W/out"; bad "$D: ... reaching the schema"; fi

# 4. REFERENCES p without a column list means p's primary key
printf 'CREATE TABLE p(id integer PRIMARY KEY);\nCREATE TABLE c(pid integer REFERENCES p);\n' >"$W/ref.sql"
db rf "$W/ref.sql"
expect_exit 0 "$D: REFERENCES p without columns reads" "$M" schema --db "$(url rf)"
has "$D: ... as p's primary key" "$W/out" 'foreign key ("pid") references "p" ("id")'

# 4b. FK ON UPDATE is modelled: planned, applied, read back
printf 'CREATE TABLE p(id integer PRIMARY KEY);\nCREATE TABLE c(pid integer REFERENCES p(id) ON DELETE SET NULL ON UPDATE CASCADE);\n' >"$W/upd.sql"
expect_exit 0 "$D: plan EMPTY -> FK ON UPDATE CASCADE" "$M" plan --from "$W/empty.sql" --to "$W/upd.sql" --dialect "$D"
has "$D: ... renders ON UPDATE" "$W/out" "ON DELETE SET NULL ON UPDATE CASCADE"
cp "$W/out" "$W/upd.plan"; db up "$W/empty.sql"
check "$D: ... applies" apply up "$W/upd.plan"
expect_exit 0 "$D: ... reads back" "$M" schema --db "$(url up)"
has "$D: ... with the action" "$W/out" 'references "p" ("id") on delete set null on update cascade'

# 4c. SQLite: a key to a table that does not exist (legal: checked only when
# rows change; real histories pass through such states) reads as it is, and
# the planner plans it: the plan applies and reads back the same
if [ "$D" = sqlite ]; then
  printf 'CREATE TABLE c(pid integer REFERENCES nowhere(id));\n' >"$W/miss.sql"
  db ms "$W/miss.sql"
  expect_exit 0 "sqlite: a key to a missing table reads" "$M" schema --db "$(url ms)"
  has "sqlite: ... as it is" "$W/out" 'foreign key ("pid") references "nowhere" ("id")'
  cp "$W/out" "$W/ms.txt"
  expect_exit 0 "sqlite: plan plans it" "$M" plan --from "$W/empty.sql" --to "$W/miss.sql" --dialect sqlite
  cp "$W/out" "$W/miss.plan"
  check "sqlite: ... the plan applies" apply mp "$W/miss.plan"
  "$M" schema --db "$(url mp)" >"$W/mp.txt" 2>&1
  check "sqlite: ... and reads back as the DDL" cmp -s "$W/ms.txt" "$W/mp.txt"
fi

# 5. SQLite: a plan that adds a foreign key over orphan rows fails under -bail
if [ "$D" = sqlite ]; then
  printf 'CREATE TABLE p(id integer PRIMARY KEY);\nCREATE TABLE c(pid integer);\n' >"$W/fk0.sql"
  printf 'CREATE TABLE p(id integer PRIMARY KEY);\nCREATE TABLE c(pid integer REFERENCES p(id));\n' >"$W/fk1.sql"
  "$M" plan --from "$W/fk0.sql" --to "$W/fk1.sql" --dialect sqlite >"$W/fk.plan" 2>"$W/err"
  db fk "$W/fk0.sql"; sqlite3 "$W/fk.db" 'INSERT INTO p VALUES (1); INSERT INTO c VALUES (1), (7);'
  cp "$W/fk.db" "$W/fkok.db"; sqlite3 "$W/fkok.db" 'DELETE FROM c WHERE pid = 7;'
  expect_exit 1 "sqlite: the FK plan fails over an orphan row (sqlite3 -bail)" apply fk "$W/fk.plan"
  has "sqlite: ... saying why" "$W/err" "foreign_key_violations"
  "$M" schema --db "$(url fk)" >"$W/out" 2>&1
  if grep -q 'foreign key' "$W/out"; then bad "sqlite: ... and commits nothing"; else ok "sqlite: ... and commits nothing"; fi
  check "sqlite: the FK plan applies without orphans" apply fkok "$W/fk.plan"
  has "sqlite: ... and adds the key" <("$M" schema --db "$(url fkok)") 'foreign key ("pid") references "p" ("id")'
fi

# 5b. DATA LOSS: drops of tables and columns are marked; --fail-on-data-loss exits 1
printf 'CREATE TABLE t(a int, b int);\nCREATE TABLE u(x int);\n' >"$W/dl1.sql"
printf 'CREATE TABLE t(a int);\n' >"$W/dl2.sql"
expect_exit 0 "$D: a plan that drops data exits 0" "$M" plan --from "$W/dl1.sql" --to "$W/dl2.sql" --dialect "$D"
has "$D: ... marking each drop" "$W/out" '-- DATA LOSS: drops column "t"."b" and its values' '-- DATA LOSS: drops table "u" and its rows'
expect_exit 1 "$D: --fail-on-data-loss exits 1" "$M" plan --from "$W/dl1.sql" --to "$W/dl2.sql" --dialect "$D" --fail-on-data-loss
has "$D: ... naming the steps" "$W/err" 'step 1 loses data' 'step 2 loses data'
expect_exit 0 "$D: --fail-on-data-loss passes a plan that keeps data" "$M" plan --from "$W/dl2.sql" --to "$W/dl1.sql" --dialect "$D" --fail-on-data-loss

# 6. real dumps as input: the vaultwarden fixtures applied with the database's
# own client, dumped (sqlite3 .schema; pg_dump -s --no-owner, \restrict,
# set_config('search_path', '') and public. included); EMPTY -> DUMP recreates
# the schema, DUMP -> DUMP is 0 steps
if [ "$D" = sqlite ]; then
  rm -f "$W/vw.db"
  for f in "$HERE"/fixtures/vaultwarden-sqlite/*/up.sql; do sqlite3 -bail "$W/vw.db" <"$f"; done
  sqlite3 "$W/vw.db" .schema >"$W/dump.sql"
  # an AUTOINCREMENT table makes .schema print the internal sqlite_sequence
  rm -f "$W/seq.db"; sqlite3 "$W/seq.db" 'CREATE TABLE a(id integer PRIMARY KEY AUTOINCREMENT);'
  sqlite3 "$W/seq.db" .schema >"$W/seq.sql"
  has "sqlite: .schema prints sqlite_sequence" "$W/seq.sql" "CREATE TABLE sqlite_sequence"
  expect_exit 0 "sqlite: plan loads .schema output" "$M" plan --from "$W/empty.sql" --to "$W/seq.sql" --dialect sqlite --ignore-unmodelled
  has "sqlite: ... skipping sqlite_sequence with a note" "$W/err" "skipped SQLite's internal table sqlite_sequence"
  vwurl="sqlite:$W/vw.db"
else
  PGD=/usr/lib/postgresql/15/bin/pg_dump; [ -x "$PGD" ] || PGD=pg_dump
  psql -q "$KW" -c "DROP DATABASE IF EXISTS ddl_vw" -c "DROP DATABASE IF EXISTS ddl_vwn" \
       -c "CREATE DATABASE ddl_vw" -c "CREATE DATABASE ddl_vwn" 2>/dev/null
  for f in "$HERE"/fixtures/vaultwarden-postgresql/*/up.sql; do
    psql -q -v ON_ERROR_STOP=1 "$KW dbname=ddl_vw" -f "$f" >/dev/null
  done
  "$PGD" -s --no-owner "$KW dbname=ddl_vw" >"$W/dump.sql"
  has "postgres: the dump names schema public" "$W/dump.sql" "set_config('search_path', '', false)" "CREATE TABLE public."
  vwurl="$KW dbname=ddl_vw"
  printf '\\restrict k1\nCREATE TABLE t(x int);\n\\unrestrict k1\n' >"$W/restrict.sql"
  expect_exit 0 "postgres: plan loads psql meta-commands" "$M" plan --from "$W/empty.sql" --to "$W/restrict.sql" --dialect postgres
  has "postgres: ... skipping them with a note" "$W/err" 'skipped psql meta-command \restrict' 'skipped psql meta-command \unrestrict'
fi
expect_exit 0 "$D: plan EMPTY -> the dump" "$M" plan --from "$W/empty.sql" --to "$W/dump.sql" --dialect "$D"
cp "$W/out" "$W/vw.plan"
n=$(grep -c '^CREATE TABLE' "$W/vw.plan")
if [ "$n" -ge 10 ]; then ok "$D: ... creates the tables ($n)"; else bad "$D: ... creates the tables (got $n)"; fi
if [ "$D" = sqlite ]; then
  rm -f "$W/vwn.db"; check "sqlite: ... and applies" sh -c "sqlite3 -bail '$W/vwn.db' <'$W/vw.plan'"
  vwnurl="sqlite:$W/vwn.db"
else
  check "postgres: ... and applies" psql -q -v ON_ERROR_STOP=1 "$KW dbname=ddl_vwn" -f "$W/vw.plan"
  vwnurl="$KW dbname=ddl_vwn"
fi
"$M" schema --db "$vwurl" >"$W/vwa.txt" 2>&1; "$M" schema --db "$vwnurl" >"$W/vwb.txt" 2>&1
if [ -s "$W/vwa.txt" ] && cmp -s "$W/vwa.txt" "$W/vwb.txt"; then ok "$D: ... to the dumped schema"
else diff "$W/vwa.txt" "$W/vwb.txt" >"$W/out"; bad "$D: ... to the dumped schema"; fi
expect_exit 0 "$D: plan DUMP -> DUMP" "$M" plan --from "$W/dump.sql" --to "$W/dump.sql" --dialect "$D"
has "$D: ... is 0 steps" "$W/out" "-- migprop plan: 0 steps"
if [ "$D" = postgres ]; then
  psql -q "$KW" -c "DROP DATABASE ddl_vw" -c "DROP DATABASE ddl_vwn"
  left=$(psql -At "$KW" -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'mp\_ddl\_%'")
  [ "$left" = 0 ] && ok "postgres: no scratch database left" || bad "postgres: no scratch database left ($left)"
fi

echo "1..$tests"
[ $fails -eq 0 ]
