#!/usr/bin/env bash
# gen_objects_test.sh MIGPROP sqlite|postgres: generated cases draw the
# schema objects and PostgreSQL-only features the generators add
# (gen_triggers.c, gen_sequences.c, gen_pgindex.c): the plans of 40 trials
# of seed 11 (`check --keep-migrations`) create, alter and drop standalone
# sequences, replace trigger functions and create hash indexes and indexes
# with NULLS FIRST on PostgreSQL (text_pattern_ops is drawn too, but text
# keys are rare), create triggers on both, and never hold a sequence or a
# PostgreSQL-only index option on SQLite.  PostgreSQL runs under `migprop
# cluster`.
# Prints TAP; exits 1 when a check failed.
set -u
M=$1 B=$2
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/gen_objects_test.XXXXXX")
trap 'rm -rf "$W"' EXIT
export MIGPROP_FAILURE_DB=
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() { tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"; }
# plans TEXT DESC: some trial's plan holds TEXT
plans() { if grep -rqF -- "$1" "$W/km"; then ok "$2"; else bad "$2: no plan holds '$1'"; fi; }
"$M" check --backend "$B" --iterations 40 --seed 11 --properties final_schema_equal \
  --keep-migrations "$W/km" --out "$W/cases" >"$W/out" 2>"$W/err"
if [ $? -eq 0 ]; then ok "40 trials pass [$B]"; else bad "40 trials pass [$B]"; sed 's/^/# /' "$W/err" | head -20; fi
plans "CREATE TRIGGER" "a plan creates a trigger [$B]"
if [ "$B" = postgres ]; then
  plans "CREATE SEQUENCE" "a plan creates a standalone sequence [$B]"
  plans "ALTER SEQUENCE" "a plan alters one [$B]"
  plans "DROP SEQUENCE" "a plan drops one [$B]"
  plans "CREATE OR REPLACE FUNCTION" "a plan replaces a function [$B]"
  # gen_pgindex.c: index options only PostgreSQL has
  plans "USING hash" "a plan creates a hash index [$B]"
  plans " NULLS FIRST" "a plan creates an index with NULLS FIRST [$B]"
else
  if grep -rqi "SEQUENCE \"seq_" "$W/km"; then bad "no SQLite plan holds a sequence"; else ok "no SQLite plan holds a sequence"; fi
  if grep -rqiE "USING hash|NULLS (FIRST|LAST)|_pattern_ops" "$W/km"; then
    bad "no SQLite plan holds a PostgreSQL-only index option"
  else
    ok "no SQLite plan holds a PostgreSQL-only index option"
  fi
fi
echo "1..$tests"
[ "$fails" -eq 0 ]
