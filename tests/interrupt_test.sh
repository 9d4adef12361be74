#!/usr/bin/env bash
# interrupt_test.sh MIGPROP: SIGINT or SIGTERM during `check` (SQLite,
# PostgreSQL with its disposable cluster, --jobs) abandons the trial in
# progress, prints a partial report marked interrupted, writes no case file,
# leaves nothing in $MIGPROP_TMPDIR, and exits 130 (SIGINT) or 143 (SIGTERM).
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
n=0 fails=0
# one interrupted run: NAME SIGNAL WANT DELAY ARGS... (the signal DELAY
# seconds after the start, once trials run)
run() {
  local name=$1 sig=$2 want=$3 delay=$4; shift 4
  local tmp=$W/tmp-$n out=$W/out-$n
  mkdir -p "$tmp" "$out"
  chmod 755 "$W" "$tmp" # the cluster runs as the postgres user when we are root
  MIGPROP_TMPDIR=$tmp setsid "$M" check --iterations 100000 --out "$out" "$@" >"$W/report-$n" 2>"$W/err-$n" &
  local pid=$!
  sleep "$delay"
  kill -"$sig" "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 150 ]; do sleep 0.1; waited=$((waited + 1)); done
  wait "$pid"
  local rc=$?
  local why="" r=$W/report-$n e=$W/err-$n
  n=$((n + 1))
  [ "$rc" = "$want" ] || why="$why exit $rc, not $want;"
  grep -q '^not ok' "$r" && why="$why a 'not ok' point;"
  grep -q '^# interrupted after [0-9]* trials\{0,1\} (SIG' "$r" || why="$why no '# interrupted after N trials';"
  head -2 "$r" | grep -qx '1\.\.[0-9]*' || why="$why no plan;"
  [ -z "$(ls -A "$out")" ] || why="$why files in the failure directory: $(ls "$out");"
  [ -z "$(ls -A "$tmp")" ] || why="$why left in MIGPROP_TMPDIR: $(ls "$tmp");"
  if [ -z "$why" ]; then echo "ok $n - $name"; else
    echo "not ok $n - $name:$why"; sed 's/^/# /' "$e" | tail -5; fails=1; fi
}
# --jobs 1: these are the single process's path (the default, --jobs auto,
# forks workers on a machine with two CPUs: the --jobs 2 runs below)
run "SIGINT, SQLite" INT 130 2 --backend sqlite --seed 1 --jobs 1
run "SIGTERM, SQLite" TERM 143 2 --backend sqlite --seed 1 --jobs 1
run "SIGINT, SQLite, --jobs 2" INT 130 2 --backend sqlite --seed 1 --jobs 2
run "SIGTERM, SQLite, --jobs 2" TERM 143 2 --backend sqlite --seed 1 --jobs 2
run "SIGINT, PostgreSQL (disposable cluster)" INT 130 8 --backend postgres --seed 1 --jobs 1
run "SIGTERM, PostgreSQL, --jobs 2" TERM 143 8 --backend postgres --seed 1 --jobs 2
echo "1..$n"
exit $fails
