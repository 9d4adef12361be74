#!/usr/bin/env bash
# types_test.sh MIGPROP: PostgreSQL enum types and domains changed under
# rows.  Each case is a start DDL with rows and a desired DDL: `migprop plan
# --from start --to desired` plans, the plan runs (psql, one transaction,
# ON_ERROR_STOP) on a database holding the start and its rows, and then
# `migprop schema` of that database must equal the desired DDL's and the
# rows must read back as they were (labels as text, in enum order where
# the case says so).  Cases that must not go through say how: a refusal
# (exit 2, naming the reason) or a plan that fails on the server and
# leaves the rows as they were.  Run under `migprop cluster`.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
mp_t_init types_test "$1" postgres
[ -n "${DATABASE_URL:-}" ] || { echo "1..0 # SKIP no DATABASE_URL (run under migprop cluster)"; exit 0; }
KW="host=${PGHOST:?} port=${PGPORT:-5432} user=${PGUSER:?}"
psql -X -q -d "$KW dbname=postgres" -c "DROP DATABASE IF EXISTS types_test" -c "CREATE DATABASE types_test" \
  >/dev/null || exit 1
db() { # db NAME FILE: a fresh schema NAME of types_test, FILE run in it
  printf 'SET client_min_messages = warning;\nDROP SCHEMA IF EXISTS %s CASCADE;\nCREATE SCHEMA %s;\nSET search_path = %s;\n\\i %s\n' \
    "$1" "$1" "$1" "$2" | psql -X -q -v ON_ERROR_STOP=1 -d "$KW dbname=types_test" >/dev/null
}
url() { echo "$KW dbname=types_test options=-csearch_path=$1"; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$(url "$1")" -c "$2"; }

# case NAME START_DDL ROWS DESIRED_DDL CHECK_SQL: plan, apply, compare
# the schema with the desired DDL's and CHECK_SQL's output before and after
case_ok() {
  local name=$1 start=$2 rows=$3 desired=$4 check=$5
  printf '%s\n' "$start" >"$W/$name.start.sql"
  printf '%s\n' "$desired" >"$W/$name.want.sql"
  printf '%s\n%s\n' "$start" "$rows" >"$W/$name.rows.sql"
  if ! db "${name}_got" "$W/$name.rows.sql" 2>"$W/err" || ! db "${name}_want" "$W/$name.want.sql" 2>"$W/err"; then
    bad "$name: the fixtures load"; return
  fi
  q "${name}_got" "$check" >"$W/$name.before" 2>"$W/err"
  if ! "$M" plan --from "$W/$name.start.sql" --to "$W/$name.want.sql" --dialect postgres >"$W/$name.plan" 2>"$W/err"; then
    bad "$name: plans"; return
  fi
  if ! PGOPTIONS="-c search_path=${name}_got" psql -X -q -v ON_ERROR_STOP=1 -1 -d "$KW dbname=types_test" \
      -f "$W/$name.plan" >"$W/out" 2>"$W/err"; then
    bad "$name: the plan applies"; sed 's/^/#   /' "$W/$name.plan" | head -40; return
  fi
  "$M" schema --db "$(url "${name}_got")" >"$W/got.txt" 2>"$W/err" &&
    "$M" schema --db "$(url "${name}_want")" >"$W/want.txt" 2>>"$W/err"
  if cmp -s "$W/got.txt" "$W/want.txt"; then ok "$name: the result is the desired schema"
  else diff "$W/want.txt" "$W/got.txt" >"$W/out"; bad "$name: the result is the desired schema"; fi
  q "${name}_got" "$check" >"$W/$name.after" 2>"$W/err"
  if [ -s "$W/$name.before" ] && cmp -s "$W/$name.before" "$W/$name.after"; then ok "$name: the rows are kept"
  else diff "$W/$name.before" "$W/$name.after" >"$W/out"; bad "$name: the rows are kept"; fi
}

MOOD="CREATE TYPE mood AS ENUM ('sad', 'happy');"
ROWS="INSERT INTO t VALUES (1, 'sad'), (2, 'happy'), (3, NULL);"
T="CREATE TABLE t(id int PRIMARY KEY, m mood);"
SEL="SELECT id, m::text FROM t ORDER BY id"

# labels added before, between and after: ADD VALUE, and the new order holds
case_ok add_value "$MOOD $T" "$ROWS" \
  "CREATE TYPE mood AS ENUM ('meh', 'sad', 'ok', 'happy', 'ecstatic'); $T" "$SEL"
has_plan() { if grep -qF -- "$2" "$W/$1.plan"; then ok "$3"; else bad "$3: '$2' not in the plan"; fi; }
has_plan add_value "ALTER TYPE \"mood\" ADD VALUE 'meh' BEFORE 'sad';" "add_value: BEFORE the first old label"
has_plan add_value "ALTER TYPE \"mood\" ADD VALUE 'ok' BEFORE 'happy';" "add_value: BEFORE the next old label"
order=$(q add_value_got "SELECT string_agg(l::text, ',') FROM unnest(enum_range(NULL::mood)) l" 2>&1)
if [ "$order" = "meh,sad,ok,happy,ecstatic" ]; then ok "add_value: the labels are in the desired order"
else bad "add_value: the labels are in the desired order (got '$order')"; fi

# reordered labels: a rebuild that keeps every row, not a data-loss step
case_ok reorder "$MOOD $T" "$ROWS" "CREATE TYPE mood AS ENUM ('happy', 'sad'); $T" "$SEL"
if grep -q "DATA LOSS" "$W/reorder.plan"; then bad "reorder: no DATA LOSS step"; else ok "reorder: no DATA LOSS step"; fi
order=$(q reorder_got "SELECT string_agg(l::text, ',') FROM unnest(enum_range(NULL::mood)) l" 2>&1)
if [ "$order" = "happy,sad" ]; then ok "reorder: the labels are in the desired order"
else bad "reorder: the labels are in the desired order (got '$order')"; fi

# a removed label no row holds, with a default on the column: a rebuild
# marked as data loss, refused by --fail-on-data-loss
case_ok remove_unused "CREATE TYPE mood AS ENUM ('sad', 'happy', 'gone'); CREATE TABLE t(id int PRIMARY KEY, m mood DEFAULT 'sad');" \
  "$ROWS" "$MOOD CREATE TABLE t(id int PRIMARY KEY, m mood DEFAULT 'sad');" "$SEL"
has_plan remove_unused "-- DATA LOSS: removes label 'gone' of enum \"mood\"" "remove_unused: a DATA LOSS step"
expect 1 "remove_unused: --fail-on-data-loss exits 1" plan --from "$W/remove_unused.start.sql" \
  --to "$W/remove_unused.want.sql" --dialect postgres --fail-on-data-loss

# a removed label a row holds: the plan fails on the server, rows unchanged
printf '%s\n' "CREATE TYPE mood AS ENUM ('sad', 'happy', 'gone'); $T INSERT INTO t VALUES (1, 'gone');" >"$W/held.sql"
db held "$W/held.sql"
printf '%s\n' "CREATE TYPE mood AS ENUM ('sad', 'happy', 'gone'); $T" >"$W/held.start.sql"
printf '%s\n' "$MOOD $T" >"$W/held.want.sql"
"$M" plan --from "$W/held.start.sql" --to "$W/held.want.sql" --dialect postgres >"$W/held.plan" 2>"$W/err"
if ! PGOPTIONS="-c search_path=held" psql -X -q -v ON_ERROR_STOP=1 -1 -d "$KW dbname=types_test" -f "$W/held.plan" \
    >"$W/out" 2>"$W/err" && [ "$(q held "SELECT m::text FROM t")" = gone ]; then
  ok "held: a row holding a removed label fails the plan, and keeps its value"
else bad "held: a row holding a removed label fails the plan, and keeps its value"; fi

# text to an enum and an enum to text (the type then dropped)
case_ok text_to_enum "CREATE TABLE t(id int PRIMARY KEY, m text);" "$ROWS" "$MOOD $T" "$SEL"
case_ok enum_to_text "$MOOD $T" "$ROWS" "CREATE TABLE t(id int PRIMARY KEY, m text);" "$SEL"

# domains: a check added, NOT NULL and a default set, a domain created for
# a new column, another dropped with its column
D1="CREATE DOMAIN posint AS integer CHECK (VALUE > 0); CREATE DOMAIN old AS text;"
case_ok domain "$D1 CREATE TABLE t(id int PRIMARY KEY, n posint, o old);" \
  "INSERT INTO t VALUES (1, 5, 'x'), (2, 7, NULL);" \
  "CREATE DOMAIN posint AS integer NOT NULL DEFAULT 1 CHECK (VALUE > 0) CHECK (VALUE < 100);
   CREATE DOMAIN code AS varchar(3) COLLATE \"C\" CHECK (VALUE <> '');
   CREATE TABLE t(id int PRIMARY KEY, n posint, c code);" "SELECT id, n FROM t ORDER BY id"
has_plan domain 'ALTER DOMAIN "posint" SET NOT NULL;' "domain: SET NOT NULL"
has_plan domain 'ALTER DOMAIN "posint" ADD CONSTRAINT "posint_check1" CHECK (value < 100);' "domain: ADD CHECK, named as the server would"
has_plan domain 'DROP DOMAIN "old";' "domain: DROP DOMAIN"

# refused: a label added and used by the same plan, a domain's base type change
printf '%s\n' "$MOOD CREATE TABLE t(id int PRIMARY KEY, m mood DEFAULT 'sad');" >"$W/use.start.sql"
printf '%s\n' "CREATE TYPE mood AS ENUM ('sad', 'happy', 'new'); CREATE TABLE t(id int PRIMARY KEY, m mood DEFAULT 'new');" >"$W/use.want.sql"
expect 2 "a label added and used in one plan is refused" plan --from "$W/use.start.sql" --to "$W/use.want.sql" --dialect postgres
has err "label 'new' is added by ALTER TYPE ... ADD VALUE" "... naming the label"
printf 'CREATE DOMAIN d AS integer;\n' >"$W/base1.sql"
printf 'CREATE DOMAIN d AS bigint;\n' >"$W/base2.sql"
expect 2 "a domain's base type change is refused" plan --from "$W/base1.sql" --to "$W/base2.sql" --dialect postgres
has err 'domain "d": changing the base type' "... naming the domain"

mp_t_done
