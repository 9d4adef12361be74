#!/usr/bin/env bash
# determinism.sh MIGPROP ARGS...: the report of a run depends on the seed
# only: two runs with the same arguments give the same TAP, timing comment
# lines aside.  Exits 1 with the difference otherwise.
set -u
bin=$1; shift
a=$(mktemp) b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
"$bin" check "$@" --format tap | grep -v -e '^#' -e 'shrink_ms:' >"$a"
"$bin" check "$@" --format tap | grep -v -e '^#' -e 'shrink_ms:' >"$b"
if ! diff -u "$a" "$b"; then
  echo "determinism: two runs of 'migprop check $*' differ" >&2
  exit 1
fi
[ -s "$a" ] || { echo "determinism: empty report" >&2; exit 1; }
