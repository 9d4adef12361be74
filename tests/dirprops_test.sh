#!/usr/bin/env bash
# dirprops_test.sh MIGPROP sqlite|postgres [N_LINT [N_INCREMENTAL]]: the
# opt-in properties that check the project-suite tools: lint_sound holds on
# N_LINT random trials of the clean code (default 100), incremental_equals_fresh
# on N_INCREMENTAL (default N_LINT), and each catches its planted fault
# (`check --fault`, as `migprop selftest` plants it).  PostgreSQL runs under
# `migprop cluster`.  Prints TAP; exits 1 when a check failed.
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
B=$2
NL=${3:-100}
NI=${4:-$NL}
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/dirprops_test.XXXXXX")
trap 'rm -rf "$W"' EXIT
# no failure database, no scenarios: only the random trials of this run
cd "$W" || exit 1
export MIGPROP_FAILURE_DB=
tests=0 fails=0
# expect STATUS DESC ARGS...: migprop check with ARGS exits with STATUS
expect() {
  local want=$1 desc=$2
  shift 2
  "$M" check --backend "$B" --out "$W/cases" "$@" >"$W/out" 2>"$W/err"
  local got=$?
  tests=$((tests + 1))
  if [ "$got" -eq "$want" ]; then
    echo "ok $tests - $desc"
  else
    fails=$((fails + 1))
    echo "not ok $tests - $desc (exit $got, wanted $want)"
    sed 's/^/# /' "$W/err" "$W/out" | head -40
  fi
}
# has TEXT DESC: the last report holds TEXT
has() {
  tests=$((tests + 1))
  if grep -qF -- "$1" "$W/out"; then echo "ok $tests - $2"; else
    fails=$((fails + 1)); echo "not ok $tests - $2: '$1' not in the report"; fi
}
for pn in "lint_sound $NL" "incremental_equals_fresh $NI"; do
  set -- $pn
  expect 0 "$1 holds on $2 trials [$B]" --properties "$1" --iterations "$2" --seed 1
  has "# $2 passed, 0 discarded" "$1: every trial of $2 checked [$B]"
done
expect 1 "lint_sound catches lint-order-swap [$B]" --properties lint_sound --iterations 20 --seed 1 \
  --fault lint-order-swap --no-shrink
has "lint's order does not apply" "lint-order-swap: the order lint gave fails in the database [$B]"
expect 1 "incremental_equals_fresh catches generate-recreates-tables [$B]" --properties incremental_equals_fresh \
  --iterations 20 --seed 1 --fault generate-recreates-tables --no-shrink
has "already exists" "generate-recreates-tables: the increment creates a table again [$B]"
echo "1..$tests"
[ "$fails" -eq 0 ]
