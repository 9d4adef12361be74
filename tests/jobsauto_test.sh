#!/usr/bin/env bash
# jobsauto_test.sh MIGPROP - `migprop check --jobs auto`, the default: with
# two CPUs (taskset) the default run forks two workers (counted as
# the run's child processes) and says "jobs 2" on stderr with --stats; with
# one CPU, MIGPROP_JOBS=1 or --jobs 1 it forks none; MIGPROP_JOBS=N is the
# default and --jobs wins over it; no more workers than trials; the report,
# the case files and the failure database of auto and --jobs 1 are the
# same; --jobs 0, --jobs x, MIGPROP_JOBS=x and MIGPROP_JOBS=0 are usage
# errors naming what is wrong.  Prints TAP.
. "$(dirname "$0")/lib.sh"
mp_t_init jobsauto "$1"
export MIGPROP_FAILURE_DB=
unset MIGPROP_JOBS
cd "$W" || exit 2 # no ./scenarios here: the trial counts are the random ones

# kids CMD...: run migprop CMD in the background (stdout $W/out, stderr
# $W/err), print the most child processes it had at once (its workers:
# ordering_valid alone starts no runner processes) and its exit status
kids() {
  "$@" >"$W/out" 2>"$W/err" &
  local pid=$! most=0 k
  # the workers are the main thread's children (proc(5): no process
  # forked to count them, so the polling costs the run little)
  while kill -0 "$pid" 2>/dev/null; do
    c=() # the file ends without a newline: read fails, having read it
    read -r -a c <"/proc/$pid/task/$pid/children" 2>/dev/null
    k=${#c[@]}
    [ "$k" -gt "$most" ] && most=$k
    sleep 0.01
  done
  wait "$pid"
  echo "$most $?"
}
# a run long enough to be seen: ordering_valid on SQLite, 250 trials (about 1 s)
RUN=(check --backend sqlite --properties ordering_valid --iterations 250 --seed 5 --stats)

# the first two CPUs this script may run on (proc(5): Cpus_allowed_list, e.g. 0-3,6)
allowed=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
mapfile -t cpu < <(for r in ${allowed//,/ }; do seq "${r%-*}" "${r#*-}"; done | head -2)
if [ "${#cpu[@]}" = 2 ]; then
  read -r k rc < <(kids taskset -c "${cpu[0]},${cpu[1]}" "$M" "${RUN[@]}")
  if [ "$rc" = 0 ] && [ "$k" = 2 ]; then ok "two CPUs: the default run forks two workers"; else
    bad "two CPUs: the default run had $k child processes (exit $rc), want 2"; fi
  has err "migprop: jobs 2 (auto: 2 CPUs, 250 trials)" "two CPUs: --stats says jobs 2 on stderr"
  hasnt out "jobs 2" "the report does not say it"
  # the per-backend line sums the workers' work; the run's own rate is the clock's
  grep -Eq '^# 250 trials in [0-9.]+ s on the clock \([0-9.]+ trials/s\), 2 workers$' "$W/out" &&
    ok "two workers: the report gives the run's rate on the clock" || bad "two workers: no '250 trials ... on the clock ..., 2 workers' line"
else
  for i in 1 2 3; do ok "# SKIP fewer than two CPUs here"; done
fi
read -r k rc < <(kids taskset -c "${cpu[0]}" "$M" "${RUN[@]}")
if [ "$rc" = 0 ] && [ "$k" = 0 ]; then ok "one CPU: the default run forks no worker"; else
  bad "one CPU: the default run had $k child processes (exit $rc), want 0"; fi
has err "migprop: jobs 1 (auto: 1 CPUs, 250 trials)" "one CPU: --stats says jobs 1"
for how in "MIGPROP_JOBS=1" "--jobs 1"; do
  if [ "$how" = "--jobs 1" ]; then read -r k rc < <(kids env MIGPROP_JOBS=2 "$M" "${RUN[@]}" --jobs 1)
  else read -r k rc < <(kids env MIGPROP_JOBS=1 "$M" "${RUN[@]}"); fi
  if [ "$rc" = 0 ] && [ "$k" = 0 ]; then ok "$how: no worker"; else bad "$how: $k child processes (exit $rc), want 0"; fi
  hasnt out "on the clock" "$how, one backend: the backend's line is the run's rate"
  has err "migprop: jobs 1" "$how: --stats says jobs 1"
  hasnt err "auto" "$how: not auto"
done
read -r k rc < <(kids env MIGPROP_JOBS=2 taskset -c "${cpu[0]}" "$M" "${RUN[@]}")
if [ "$rc" = 0 ] && [ "$k" = 2 ]; then ok "MIGPROP_JOBS=2 on one CPU: two workers"; else
  bad "MIGPROP_JOBS=2: $k child processes (exit $rc), want 2"; fi
MIGPROP_JOBS=auto expect 0 "MIGPROP_JOBS=auto" check --backend sqlite --iterations 3 --seed 1 --stats
has err "(auto: " "MIGPROP_JOBS=auto is auto"
# no more workers than trials: --trial runs one
expect 0 "--trial K" check --backend sqlite --seed 1 --trial 4 --stats --jobs auto
has err "migprop: jobs 1 (auto: " "--trial K under auto: one trial, no worker"

# the same report, case files and failure database for auto and 1: a
# failing run (naive solver), shrunk by steps so a loaded machine shrinks as far
for j in auto 1; do
  mkdir -p "$W/r$j"
  (cd "$W/r$j" && "$M" check --backend sqlite --solver naive --iterations 80 --seed 3 --shrink-steps 150 \
    --shrink-time 600 --out cases --failure-db db --jobs "$j" >report 2>err)
  echo $? >"$W/r$j/rc"
  grep -v -e '^#' -e 'shrink_ms:' "$W/r$j/report" >"$W/r$j/masked"
done
if [ "$(cat "$W/rauto/rc")" = 1 ] && [ "$(cat "$W/r1/rc")" = 1 ] && grep -q '^not ok' "$W/r1/masked"; then
  ok "a failing run: both exit 1"; else bad "a failing run: exit $(cat "$W/rauto/rc") and $(cat "$W/r1/rc"), want 1"; fi
if cmp -s "$W/rauto/masked" "$W/r1/masked"; then ok "auto and --jobs 1 report the same"; else
  bad "auto and --jobs 1 report differently"; diff "$W/r1/masked" "$W/rauto/masked" | head -20 | sed 's/^/# /'; fi
for d in cases db; do
  if [ -n "$(ls "$W/r1/$d")" ] && diff -r "$W/r1/$d" "$W/rauto/$d" >"$W/d.diff" 2>&1; then
    ok "auto and --jobs 1 write the same $d"; else
    bad "auto and --jobs 1 write different $d"; head -10 "$W/d.diff" | sed 's/^/# /'; ls "$W/r1/$d" "$W/rauto/$d" | sed 's/^/# /'; fi
done

# bad values, each named
expect 2 "--jobs 0" check --backend sqlite --iterations 1 --jobs 0
has err "--jobs: '0' is too small" "--jobs 0 names --jobs"
expect 2 "--jobs x" check --backend sqlite --iterations 1 --jobs x
has err "--jobs" "--jobs x names --jobs"
MIGPROP_JOBS=x expect 2 "MIGPROP_JOBS=x" check --backend sqlite --iterations 1
has err "MIGPROP_JOBS" "MIGPROP_JOBS=x names MIGPROP_JOBS"
MIGPROP_JOBS=0 expect 2 "MIGPROP_JOBS=0" check --backend sqlite --iterations 1
has err "MIGPROP_JOBS: '0' is too small" "MIGPROP_JOBS=0 names MIGPROP_JOBS"

mp_t_done
