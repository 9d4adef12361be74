#!/usr/bin/env bash
# plan_test.sh MIGPROP sqlite|postgres: `migprop plan` end to end.  For each
# hand-written pair in tests/plan/ (and each scenario case file): the plan
# applied with the dialect's own client (sqlite3 -bail, psql -v
# ON_ERROR_STOP=1) to a database built from FROM gives TO's structure, and
# planning twice gives the same bytes.  PostgreSQL runs under `migprop
# cluster`.  Prints TAP; exits 1 when a check failed.
set -u
M=$1
B=$2
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
n=0 fails=0 tests=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() { tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"; sed 's/^/# /' "$W/err" 2>/dev/null | head -30; }
fresh() {
  n=$((n + 1))
  if [ "$B" = sqlite ]; then DB="sqlite:$W/db$n.sqlite"; else
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE t$n" >/dev/null || exit 2
    DB="postgresql:///t$n?host=$PGHOST&user=$PGUSER"
  fi
}
apply() { # apply FILE: run a script on DB with the dialect's client
  if [ "$B" = sqlite ]; then sqlite3 -bail "${DB#sqlite:}" <"$1"; else psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$1"; fi
}
pick() { # pick DIR NAME: NAME.<dialect>.sql if present, else NAME.sql
  if [ -f "$1/$2.$B.sql" ]; then echo "$1/$2.$B.sql"; else echo "$1/$2.sql"; fi
}
# check NAME PLAN_ARGS... : plan, apply on FROM, compare with TO
check() {
  local name=$1 from=$2 to=$3
  shift 3
  if ! "$M" plan "$@" --dialect "$B" >"$W/plan.sql" 2>"$W/err"; then bad "$name: plan"; return; fi
  ok "$name: plan"
  "$M" plan "$@" --dialect "$B" >"$W/plan2.sql" 2>/dev/null
  if cmp -s "$W/plan.sql" "$W/plan2.sql"; then ok "$name: same input, same bytes"; else bad "$name: same input, same bytes"; fi
  fresh
  if apply "$from" >"$W/err" 2>&1 && apply "$W/plan.sql" >"$W/err" 2>&1; then ok "$name: the plan applies cleanly"; else
    cat "$W/plan.sql" >>"$W/err"; bad "$name: the plan applies cleanly"; return; fi
  "$M" schema --db "$DB" >"$W/got" 2>"$W/err"
  fresh
  apply "$to" >"$W/err" 2>&1 || { bad "$name: TO loads"; return; }
  "$M" schema --db "$DB" >"$W/want" 2>"$W/err"
  if cmp -s "$W/got" "$W/want"; then ok "$name: the result has TO's structure"; else
    diff "$W/want" "$W/got" >"$W/err"; cat "$W/plan.sql" >>"$W/err"; bad "$name: the result has TO's structure"; fi
  for f in dot json; do
    if "$M" plan "$@" --dialect "$B" --format $f >"$W/out.$f" 2>"$W/err" && [ -s "$W/out.$f" ]; then ok "$name: --format $f"; else bad "$name: --format $f"; fi
  done
}

for d in "$HERE"/plan/*/; do
  name=$(basename "$d")
  from=$(pick "$d" from) to=$(pick "$d" to)
  args=(--from "$from" --to "$to")
  [ -f "$d/hints" ] && args+=(--renames "$d/hints")
  check "$name" "$from" "$to" "${args[@]}"
done

# the design's scenarios, from their case files
for c in "$HERE"/../scenarios/*.case; do
  name=$(basename "$c" .case)
  "$M" plan --case "$c" --dialect "$B" --format from-ddl >"$W/from.sql" 2>"$W/err" || { bad "$name: from-ddl"; continue; }
  "$M" plan --case "$c" --dialect "$B" --format to-ddl >"$W/to.sql" 2>"$W/err" || { bad "$name: to-ddl"; continue; }
  check "$name" "$W/from.sql" "$W/to.sql" --case "$c"
done

# errors name the file and line, or the object, and exit 2
p="$HERE/plan/fk_renames"
printf 'CREATE TABLE ok (id integer PRIMARY KEY);\nCREATE TABLE bad (id integer REFERENCES;\n' >"$W/bad.sql"
"$M" plan --from "$W/bad.sql" --to "$p/to.sql" --dialect "$B" >/dev/null 2>"$W/err"
st=$?
if [ $st -eq 2 ] && grep -q "bad.sql:2:" "$W/err"; then ok "bad DDL: exit 2, file and line"; else bad "bad DDL: exit 2, file and line (exit $st)"; fi
printf 'table nosuch other\n' >"$W/hints"
"$M" plan --from "$p/from.sql" --to "$p/to.sql" --renames "$W/hints" --dialect "$B" >/dev/null 2>"$W/err"
st=$?
if [ $st -eq 2 ] && grep -q '"nosuch"' "$W/err"; then ok "unknown table in a hint: exit 2, named"; else bad "unknown table in a hint (exit $st)"; fi
printf 'table users\n' >"$W/hints"
"$M" plan --from "$p/from.sql" --to "$p/to.sql" --renames "$W/hints" --dialect "$B" >/dev/null 2>"$W/err"
st=$?
if [ $st -eq 2 ] && grep -q "hints:1:" "$W/err"; then ok "malformed hint: exit 2, file and line"; else bad "malformed hint (exit $st)"; fi
printf 'CREATE TABLE t (id integer PRIMARY KEY, v varchar(10));\n' >"$W/f.sql"
printf 'CREATE TABLE t (id integer PRIMARY KEY, v varchar(5));\n' >"$W/t.sql"
"$M" plan --from "$W/f.sql" --to "$W/t.sql" --dialect "$B" >/dev/null 2>"$W/err"
st=$?
if [ $st -eq 2 ] && grep -q 'not a value-preserving cast' "$W/err"; then ok "narrowing a type is refused: exit 2"; else bad "narrowing a type is refused (exit $st)"; fi

echo "1..$tests"
[ "$fails" -eq 0 ] || { echo "# $fails of $tests failed" >&2; exit 1; }
