#!/usr/bin/env bash
# feature_matrix_test.sh MIGPROP sqlite|postgres: one small DDL file per schema
# feature (tests/features/<dialect>/<feature>.sql, and <feature>.base.sql: the
# same schema without the feature).  For each feature:
#   - the DDL loads, and tests/introspect.sh (independent of migprop's db/
#     code) tells the feature from its base, so that a comparison can see it;
#   - `migprop plan` from an empty schema to the feature either plans (exit
#     0), and the plan applied to an empty database gives exactly the
#     feature's schema ("pass"), or refuses with exit 2 ("refused"); the
#     outcome must be the one recorded in tests/features/expected.  A feature
#     recorded as pass that is refused or wrong fails; a plan that exits 0 and
#     fails to apply or gives another schema (a silent wrong answer) fails
#     whatever is recorded; a feature recorded as refused that now passes is
#     reported ("# now passes"), so that the table can be updated as the
#     model grows;
#   - a feature that passes is also planned onto its base and off it again
#     (base -> feature, feature -> base): applied, the result must be the
#     target's schema (a refusal is fine, a wrong answer fails);
#   - `migprop schema` never calls the feature's database and its base equal:
#     it refuses one of them (exit 2), or prints them differently, with and
#     without --ignore-unmodelled.
# PostgreSQL: run under `migprop cluster`; each database is a schema of a
# database of the test's own (plan's scratch schemas live in DATABASE_URL's).
# The introspection compares schemas of different names: it leaves the
# schema's name out of trigger and function definitions.
# Prints TAP and the matrix; exits 1 when a check failed.
set -u -o pipefail
M=$1 D=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/introspect.sh"
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/feature_matrix.XXXXXX")
trap 'rm -rf "$W"' EXIT
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() {
  tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"
  [ -s "$W/why" ] && sed 's/^/# /' "$W/why" | head -30
  : >"$W/why"
}
: >"$W/why"
: >"$W/empty.sql"

if [ "$D" = sqlite ]; then
  db() { rm -f "$W/$1.db"; sqlite3 -bail "$W/$1.db" <"$2"; }
  url() { echo "sqlite:$W/$1.db"; }
  introspect() { introspect_sqlite "$W/$1.db"; }
  apply_got() { sqlite3 -bail "$W/f_got.db" <"$1"; }
elif [ "$D" = postgres ]; then
  [ -n "${DATABASE_URL:-}" ] || { echo "1..0 # SKIP no DATABASE_URL (run under migprop cluster)"; exit 0; }
  KW="host=${PGHOST:?} port=${PGPORT:-5432} user=${PGUSER:?}"
  psql -X -q -d "$KW dbname=postgres" -c "DROP DATABASE IF EXISTS feature_matrix" -c "CREATE DATABASE feature_matrix" >/dev/null || exit 1
  # the schemas f_want and f_base in one database, f_got in another: an
  # extension belongs to a database, so the plan's CREATE EXTENSION must not
  # meet the one f_want holds
  psql -X -q -d "$KW dbname=postgres" -c "DROP DATABASE IF EXISTS feature_matrix_got" -c "CREATE DATABASE feature_matrix_got" >/dev/null || exit 1
  fmdb() { if [ "$1" = f_got ]; then echo "$KW dbname=feature_matrix_got"; else echo "$KW dbname=feature_matrix"; fi; }
  db() { # one connection: a fresh schema $1, the file run in it
    printf 'SET client_min_messages = warning;\nDROP SCHEMA IF EXISTS %s CASCADE;\nCREATE SCHEMA %s;\nSET search_path = %s;\n\\i %s\n' \
      "$1" "$1" "$1" "$2" | psql -X -q -v ON_ERROR_STOP=1 -d "$(fmdb "$1")" >/dev/null
  }
  url() { echo "$(fmdb "$1") options=-csearch_path=$1"; }
  introspect() { introspect_pg "$(fmdb "$1")" "$1"; }
  apply_got() { PGOPTIONS="-c search_path=f_got" psql -X -q -v ON_ERROR_STOP=1 -d "$(fmdb f_got)" -f "$1"; }
else
  echo "usage: feature_matrix_test.sh MIGPROP sqlite|postgres" >&2; exit 2
fi
expected() { awk -v d="$D" -v f="$1" '$1 == d && $2 == f { print $3 }' "$HERE/features/expected"; }

printf '# %-20s %-9s %-9s %s\n' feature expected outcome detail >"$W/matrix"
for f in "$HERE/features/$D"/*.sql; do
  case $f in *.base.sql) continue ;; esac
  feat=$(basename "$f" .sql) base=${f%.sql}.base.sql
  want=$(expected "$feat")
  [ -n "$want" ] || { bad "$D $feat: an outcome recorded in tests/features/expected"; continue; }
  # 1. the fixture loads and the introspection sees the feature
  if ! db f_want "$f" >"$W/why" 2>&1 || ! db f_base "$base" >"$W/why" 2>&1; then bad "$D $feat: the DDL loads"; continue; fi
  introspect f_want >"$W/want.txt" && introspect f_base >"$W/base.txt" ||
    { echo "Bail out! the introspection failed"; exit 1; }
  if cmp -s "$W/want.txt" "$W/base.txt"; then bad "$D $feat: the introspection tells the feature from its base"
  else ok "$D $feat: the introspection tells the feature from its base"; fi
  # 2. plan from empty, apply, compare
  "$M" plan --from "$W/empty.sql" --to "$f" --dialect "$D" >"$W/plan.sql" 2>"$W/err"
  st=$? detail=
  if [ $st -eq 2 ]; then
    got=refused
    detail=$(grep -v -e 'skipped psql meta-command' -e 'migprop does not model (' "$W/err" | grep -m1 . | sed -e 's/^migprop plan: //' -e 's/^ *//')
  elif [ $st -ne 0 ]; then
    got=crash detail="plan exited $st"; cp "$W/err" "$W/why"
  elif ! db f_got "$W/empty.sql" || ! apply_got "$W/plan.sql" >"$W/why" 2>&1; then
    got=wrong detail="the plan fails to apply"; cat "$W/plan.sql" >>"$W/why"
  else
    introspect f_got >"$W/got.txt" || { echo "Bail out! the introspection failed"; exit 1; }
    if cmp -s <(introspect_unnamed <"$W/want.txt") <(introspect_unnamed <"$W/got.txt"); then got=pass
    else
      got=wrong detail="the result differs"
      { echo "< wanted, > got"; diff "$W/want.txt" "$W/got.txt"; cat "$W/plan.sql"; } >"$W/why"
    fi
  fi
  printf '# %-20s %-9s %-9s %s\n' "$feat" "$want" "$got" "${detail:0:110}" >>"$W/matrix"
  case $want/$got in
    pass/pass | refused/refused) ok "$D $feat: $got as recorded" ;;
    refused/pass) ok "$D $feat: passes # now passes: record it as pass in tests/features/expected" ;;
    */wrong) bad "$D $feat: a silent wrong answer: plan exits 0, $detail" ;;
    *) bad "$D $feat: $got, recorded $want${detail:+ ($detail)}" ;;
  esac
  # 3. a feature planned from empty is planned onto its base and off it
  # again: an ALTER path must not be silently wrong either
  if [ "$got" = pass ]; then
    for dir in on off; do
      if [ $dir = on ]; then from=$base to=$f want_db=f_want; else from=$f to=$base want_db=f_base; fi
      name="$D $feat: plan $dir the base"
      "$M" plan --from "$from" --to "$to" --dialect "$D" >"$W/plan.sql" 2>"$W/err"; st=$?
      if [ $st -eq 2 ]; then ok "$name: refused # $(grep -v 'migprop does not model (' "$W/err" | grep -m1 .)"; continue
      elif [ $st -ne 0 ]; then cp "$W/err" "$W/why"; bad "$name: plan exited $st"; continue; fi
      if ! db f_got "$from" >"$W/why" 2>&1 || ! apply_got "$W/plan.sql" >"$W/why" 2>&1; then
        cat "$W/plan.sql" >>"$W/why"; bad "$name: a silent wrong answer: the plan fails to apply"; continue
      fi
      introspect f_got >"$W/got.txt" && introspect "$want_db" >"$W/want2.txt" || { echo "Bail out! the introspection failed"; exit 1; }
      if cmp -s <(introspect_unnamed <"$W/want2.txt") <(introspect_unnamed <"$W/got.txt"); then ok "$name"
      else
        { echo "< wanted, > got"; diff "$W/want2.txt" "$W/got.txt"; cat "$W/plan.sql"; } >"$W/why"
        bad "$name: a silent wrong answer: the result differs"
      fi
    done
  fi
  # 4. schema never calls the two equal
  for opt in "" --ignore-unmodelled; do
    # neither refused: --ignore-unmodelled has nothing to leave out
    [ -n "$opt" ] && [ "$s1" -eq 0 ] && [ "$s2" -eq 0 ] && continue
    "$M" schema --db "$(url f_want)" $opt >"$W/s1" 2>/dev/null; s1=$?
    "$M" schema --db "$(url f_base)" $opt >"$W/s2" 2>/dev/null; s2=$?
    name="$D $feat: schema${opt:+ $opt} tells the feature from its base"
    if [ $s1 -ne 0 ] && [ $s1 -ne 2 ] || [ $s2 -ne 0 ] && [ $s2 -ne 2 ]; then bad "$name (exit $s1 / $s2)"
    elif [ $s1 -eq 2 ] || [ $s2 -eq 2 ]; then
      if [ -z "$opt" ]; then ok "$name (refused)"; else bad "$name (exit $s1 / $s2 with --ignore-unmodelled)"; fi
    elif cmp -s "$W/s1" "$W/s2"; then bad "$name: the same canonical form"
    else ok "$name"; fi
  done
done
cat "$W/matrix"
echo "1..$tests"
[ "$fails" -eq 0 ]
