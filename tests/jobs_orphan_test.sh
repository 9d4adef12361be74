#!/usr/bin/env bash
# jobs_orphan_test.sh MIGPROP: the worker processes of `check --jobs 2` die
# with their parent: after a kill -9 of the parent, none is left a second
# later (PR_SET_PDEATHSIG), nor are the runners they fork.
set -u
M=$1
W=$(mktemp -d "${MIGPROP_TMPDIR:-/tmp}/migprop-orphan-XXXXXX")
trap 'rm -rf "$W"' EXIT
fails=0
# alive and not a zombie
alive() { [ -r "/proc/$1/stat" ] && ! awk '{ exit ($3 == "Z") ? 0 : 1 }' "/proc/$1/stat"; }
# the processes whose parent is $1, and theirs, one level deep
kids() { for p in $(cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$1" '$4 == pp { print $1 }'); do echo "$p"; done; }
MIGPROP_TMPDIR=$W "$M" check --backend sqlite --iterations 1000000 --seed 1 --no-shrink --jobs 2 >/dev/null 2>&1 &
parent=$!
workers=""
for _ in $(seq 100); do
  workers=$(kids "$parent")
  [ "$(echo "$workers" | grep -c .)" -ge 2 ] && break
  sleep 0.05
done
n=$(echo "$workers" | grep -c .)
if [ "$n" -ge 2 ]; then echo "ok 1 - the run has its $n workers"; else
  echo "not ok 1 - the run has its workers (found $n)"; fails=1; fi
sleep 0.3 # the workers are in their trials now
runners=""
for w in $workers; do runners="$runners $(kids "$w")"; done
{ kill -9 "$parent"; wait "$parent"; } 2>/dev/null
left=""
for _ in $(seq 20); do
  left=""
  for p in $workers $runners; do alive "$p" && left="$left $p"; done
  [ -z "$left" ] && break
  sleep 0.05
done
if [ -z "$left" ]; then echo "ok 2 - no worker or runner outlives the parent by a second"; else
  echo "not ok 2 - still running a second after the parent died:$left"; fails=1
  for p in $left; do kill -9 "$p" 2>/dev/null; done; fi
echo "1..2"
exit $fails
