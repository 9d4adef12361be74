#!/usr/bin/env bash
# checkidx_test.sh MIGPROP sqlite|postgres: CHECK constraints and index
# definitions end to end, one feature at a time.  For each feature: its DDL
# loads, `migprop schema` shows it (and nothing "not modelled"), a plan
# from the empty schema applies with sqlite3 -bail / psql -v ON_ERROR_STOP=1
# and reads back equal; a plan from the base table (with rows) to the
# feature and back applies and reads back equal; the base and the feature
# never print alike.  A CHECK that existing rows violate fails the apply.
# PostgreSQL: run under `migprop cluster` (DATABASE_URL).  Prints TAP.
set -u
M=$1 D=$2
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/checkidx_test.XXXXXX")
trap 'rm -rf "$W"' EXIT
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() {
  tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"
  sed 's/^/# /' "$W/out" "$W/err" 2>/dev/null | head -30
}
check() { local n=$1; shift; if "$@" >"$W/out" 2>"$W/err"; then ok "$n"; else bad "$n (exit $?)"; fi; }
: >"$W/empty.sql"

if [ "$D" = sqlite ]; then
  db() { rm -f "$W/$1.db"; sqlite3 -bail "$W/$1.db" <"$2"; }
  url() { echo "sqlite:$W/$1.db"; }
  apply() { sqlite3 -bail "$W/$1.db" <"$2"; }
  sql() { sqlite3 -bail "$W/$1.db" "$2"; }
  TYPES='id integer PRIMARY KEY, n integer, s varchar(20), k text, "Group" integer'
else
  [ -n "${DATABASE_URL:-}" ] || { echo "1..0 # SKIP no DATABASE_URL (run under migprop cluster)"; exit 0; }
  KW="host=${PGHOST:?} port=${PGPORT:-5432} user=${PGUSER:?} dbname=${PGDATABASE:-postgres}"
  db() {
    psql -q "$KW" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS ci_$1 CASCADE; CREATE SCHEMA ci_$1" >/dev/null &&
      PGOPTIONS="-c search_path=ci_$1" psql -q -v ON_ERROR_STOP=1 "$KW" -f "$2" >/dev/null
  }
  url() { echo "$KW options=-csearch_path=ci_$1"; }
  apply() { PGOPTIONS="-c search_path=ci_$1" psql -q -v ON_ERROR_STOP=1 "$KW" -f "$2" >/dev/null; }
  sql() { PGOPTIONS="-c search_path=ci_$1" psql -q -v ON_ERROR_STOP=1 "$KW" -c "$2" >/dev/null; }
  TYPES='id integer PRIMARY KEY, n integer, s varchar(20), k text, "Group" integer'
fi
BASE="CREATE TABLE t ($TYPES);"
ROWS="INSERT INTO t VALUES (1, 3, 'ab', 'a', 1), (2, 7, 'Cd', 'b', 2);"

# feature NAME 'DDL after the base table' 'text the canonical form shows'
# (the DDL may replace the table: a CREATE TABLE t of its own, then BASE is not used)
feature() {
  local name=$1 ddl=$2 want=$3 f="$W/$1"
  case "$ddl" in "CREATE TABLE t "*) printf '%s\n' "$ddl" >"$f.sql" ;; *) printf '%s\n%s\n' "$BASE" "$ddl" >"$f.sql" ;; esac
  printf '%s\n' "$BASE" >"$W/base.sql"
  if ! db "${name}_a" "$f.sql" >"$W/out" 2>"$W/err"; then bad "$D $name: the DDL loads"; return; fi
  if "$M" schema --db "$(url "${name}_a")" >"$f.a.txt" 2>"$W/err" && grep -qF -- "$want" "$f.a.txt" &&
     ! grep -q "not modelled" "$f.a.txt"; then ok "$D $name: schema shows $want"
  else cp "$f.a.txt" "$W/out"; bad "$D $name: schema shows $want"; fi
  # from the empty schema
  if "$M" plan --from "$W/empty.sql" --to "$f.sql" --dialect "$D" >"$f.p0" 2>"$W/err" && db "${name}_b" "$W/empty.sql" &&
     apply "${name}_b" "$f.p0" 2>"$W/err" && "$M" schema --db "$(url "${name}_b")" >"$f.b.txt" 2>>"$W/err" &&
     cmp -s "$f.a.txt" "$f.b.txt"; then ok "$D $name: plan from empty applies and reads back equal"
  else diff "$f.a.txt" "$f.b.txt" >"$W/out" 2>&1; cat "$f.p0" >>"$W/out"; bad "$D $name: plan from empty applies and reads back equal"; fi
  # the base table with rows, to the feature and back
  db "${name}_c" "$W/base.sql" && sql "${name}_c" "$ROWS"
  db base "$W/base.sql"; "$M" schema --db "$(url base)" >"$W/base.txt" 2>&1
  if "$M" plan --from "$W/base.sql" --to "$f.sql" --dialect "$D" >"$f.p1" 2>"$W/err" && apply "${name}_c" "$f.p1" 2>"$W/err" &&
     "$M" schema --db "$(url "${name}_c")" >"$f.c.txt" 2>>"$W/err" && cmp -s "$f.a.txt" "$f.c.txt"; then
    ok "$D $name: plan base -> feature applies to rows and reads back equal"
  else diff "$f.a.txt" "$f.c.txt" >"$W/out" 2>&1; cat "$f.p1" >>"$W/out"; bad "$D $name: plan base -> feature applies to rows and reads back equal"; fi
  if "$M" plan --from "$f.sql" --to "$W/base.sql" --dialect "$D" >"$f.p2" 2>"$W/err" && apply "${name}_c" "$f.p2" 2>"$W/err" &&
     "$M" schema --db "$(url "${name}_c")" >"$f.d.txt" 2>>"$W/err" && cmp -s "$W/base.txt" "$f.d.txt"; then
    ok "$D $name: plan feature -> base applies and reads back equal"
  else diff "$W/base.txt" "$f.d.txt" >"$W/out" 2>&1; cat "$f.p2" >>"$W/out"; bad "$D $name: plan feature -> base applies and reads back equal"; fi
  if cmp -s "$W/base.txt" "$f.a.txt"; then bad "$D $name: the base and the feature never print alike"
  else ok "$D $name: the base and the feature never print alike"; fi
}

feature check_col "CREATE TABLE t (id integer PRIMARY KEY, n integer CHECK (n > 0), s varchar(20), k text, \"Group\" integer);" \
  'check (n > 0)'
feature check_named "CREATE TABLE t (id integer PRIMARY KEY, n integer, s varchar(20), k text, \"Group\" integer, CONSTRAINT k_in CHECK (k IN ('a', 'b')), CHECK (length(s) <= 20 AND \"Group\" >= -1));" \
  "check (k in ('a', 'b'))"
feature index_partial 'CREATE INDEX t_p ON t (n) WHERE n > 1;' 'index "t_p" ("n") where (n > 1)'
feature index_desc 'CREATE INDEX t_d ON t (n DESC, k);' 'index "t_d" ("n" desc, "k")'
feature index_expr 'CREATE INDEX t_e ON t (lower(s));' 'index "t_e" ((lower(s)))'
if [ "$D" = sqlite ]; then
  feature index_collate 'CREATE INDEX t_c ON t (k COLLATE NOCASE);' 'index "t_c" ("k" collate "NOCASE")'
else
  feature index_collate 'CREATE INDEX t_c ON t (k COLLATE "C");' 'index "t_c" ("k" collate "C")'
  feature index_nulls 'CREATE INDEX t_n ON t (n NULLS FIRST, k DESC NULLS LAST);' 'index "t_n" ("n" nulls first, "k" desc nulls last)'
  feature index_opclass 'CREATE INDEX t_o ON t (k text_pattern_ops);' 'index "t_o" ("k" "text_pattern_ops")'
  feature index_hash 'CREATE INDEX t_h ON t USING hash (k);' 'index "t_h" using hash ("k")'
  feature index_brin 'CREATE INDEX t_b ON t USING brin (n);' 'index "t_b" using brin ("n")'
  feature index_include 'CREATE UNIQUE INDEX t_i ON t (n) INCLUDE (k);' 'unique index "t_i" ("n") include ("k")'
  if [ "$(psql -XAtq "$KW" -c 'SHOW server_version_num')" -ge 150000 ]; then
    feature index_nnd 'CREATE UNIQUE INDEX t_z ON t (k) NULLS NOT DISTINCT;' 'unique index "t_z" ("k") nulls not distinct'
  fi
  feature check_not_valid 'ALTER TABLE t ADD CONSTRAINT t_nv CHECK (n <> 7) NOT VALID;' 'check (n <> 7) not valid'
fi

# a CHECK that a row violates: the plan says so and the apply fails, changing nothing
printf '%s\n' "CREATE TABLE t (id integer PRIMARY KEY, n integer CHECK (n > 5), s varchar(20), k text, \"Group\" integer);" >"$W/viol.sql"
db viol "$W/base.sql"; sql viol "$ROWS"
"$M" plan --from "$W/base.sql" --to "$W/viol.sql" --dialect "$D" >"$W/viol.plan" 2>"$W/err"
if grep -q -- "-- FAILS when an existing row violates the check" "$W/viol.plan"; then ok "$D: the plan says a check can fail"
else cp "$W/viol.plan" "$W/out"; bad "$D: the plan says a check can fail"; fi
if apply viol "$W/viol.plan" >"$W/out" 2>"$W/err"; then bad "$D: a violated check fails the apply"
else ok "$D: a violated check fails the apply"; fi
"$M" schema --db "$(url viol)" >"$W/viol.txt" 2>&1
if cmp -s "$W/viol.txt" "$W/base.txt"; then ok "$D: ... and changes nothing"
else diff "$W/base.txt" "$W/viol.txt" >"$W/out"; bad "$D: ... and changes nothing"; fi

# a column used by a check and an expression index, renamed (hint) and dropped
printf '%s\n' "CREATE TABLE t (id integer PRIMARY KEY, n integer CHECK (n > 0), s varchar(20), k text, \"Group\" integer);" \
  "CREATE INDEX t_e ON t (lower(s)) WHERE n > 0;" >"$W/r0.sql"
printf '%s\n' "CREATE TABLE t (id integer PRIMARY KEY, m integer CHECK (m > 0), s2 varchar(20), k text, \"Group\" integer);" \
  "CREATE INDEX t_e ON t (lower(s2)) WHERE m > 0;" >"$W/r1.sql"
printf 'column t n m\ncolumn t s s2\n' >"$W/r.hints"
db r "$W/r0.sql"; sql r "$ROWS"; db r1 "$W/r1.sql"; "$M" schema --db "$(url r1)" >"$W/r1.txt" 2>&1
if "$M" plan --from "$W/r0.sql" --to "$W/r1.sql" --renames "$W/r.hints" --dialect "$D" >"$W/r.plan" 2>"$W/err" &&
   ! grep -q "drop check\|drop index" "$W/r.plan" && apply r "$W/r.plan" 2>"$W/err" &&
   "$M" schema --db "$(url r)" >"$W/r.txt" 2>&1 && cmp -s "$W/r.txt" "$W/r1.txt"; then
  ok "$D: renamed columns carry their check and expression index along"
else diff "$W/r1.txt" "$W/r.txt" >"$W/out" 2>&1; cat "$W/r.plan" >>"$W/out"; bad "$D: renamed columns carry their check and expression index along"; fi
printf '%s\n' "$BASE" | sed 's/, n integer//' >"$W/r2.sql"
db r2 "$W/r2.sql"; "$M" schema --db "$(url r2)" >"$W/r2.txt" 2>&1
db r "$W/r0.sql"; sql r "$ROWS"
if "$M" plan --from "$W/r0.sql" --to "$W/r2.sql" --dialect "$D" >"$W/r2.plan" 2>"$W/err" && apply r "$W/r2.plan" 2>"$W/err" &&
   "$M" schema --db "$(url r)" >"$W/r.txt" 2>&1 && cmp -s "$W/r.txt" "$W/r2.txt"; then
  ok "$D: a dropped column takes its check and index first"
else diff "$W/r2.txt" "$W/r.txt" >"$W/out" 2>&1; cat "$W/r2.plan" >>"$W/out"; bad "$D: a dropped column takes its check and index first"; fi

echo "1..$tests"
[ "$fails" -eq 0 ]
