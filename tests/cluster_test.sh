#!/usr/bin/env bash
# cluster_test.sh MIGPROP: the disposable cluster's reliability contract.
# - a planted setting in the cached pristine data directory is never used;
# - the trial role cannot run programs on the server (COPY ... PROGRAM);
# - after 10 kill -9 of `migprop cluster`, the next migprop removes every
#   leftover directory;
# - 20 SIGINTs at random points of cluster start: no false error, nothing left.
# Everything happens under a private scratch and cache directory, so only
# what this test started is looked at (another migprop may run alongside).
set -u
bin=$1
root=$(mktemp -d "${MIGPROP_TMPDIR:-$( [ -w /dev/shm ] && echo /dev/shm || echo /tmp)}/cluster-test-XXXXXX")
chmod 755 "$root"
export MIGPROP_TMPDIR=$root/scratch MIGPROP_CACHE_DIR=$root/cache
mkdir -p "$MIGPROP_TMPDIR" "$MIGPROP_CACHE_DIR"
chmod 1777 "$MIGPROP_TMPDIR"
fails=0
trap 'rm -rf "$root"' EXIT
ok() { echo "ok - $1"; }
no() { echo "not ok - $1"; fails=$((fails + 1)); }
left() { ls -A "$MIGPROP_TMPDIR" | grep -c '^migprop-' ; }

# 1. the cache is made, then trusted only as made
"$bin" cluster true || no "first cluster start"
cache=$(ls -d "$MIGPROP_CACHE_DIR"/pgdata* 2>/dev/null | grep -v manifest | head -1)
[ -n "$cache" ] && [ -f "$cache.manifest" ] && ok "the pristine cache has a manifest" || no "the pristine cache has a manifest"
echo "shared_preload_libraries = 'planted'" >>"$cache/postgresql.auto.conf"
if "$bin" cluster true 2>"$root/err"; then ok "a tampered cache is not used (the server starts)"; else no "a tampered cache is not used: $(cat "$root/err")"; fi
grep -q planted "$cache/postgresql.auto.conf" 2>/dev/null && no "the planted setting is still in the cache" || ok "the planted setting is gone"

# 2. trials run without superuser: the server refuses COPY ... PROGRAM
printf 'CREATE TABLE t (id integer PRIMARY KEY);\nCOPY (SELECT 1) TO PROGRAM %s;\n' "'touch $root/pwned'" >"$root/evil.sql"
echo 'CREATE TABLE t (id integer PRIMARY KEY);' >"$root/ok.sql"
"$bin" plan --from "$root/evil.sql" --to "$root/ok.sql" --dialect postgres >/dev/null 2>"$root/err"
rc=$?
if [ $rc -eq 2 ] && [ ! -e "$root/pwned" ] && grep -q 'pg_execute_server_program' "$root/err"; then
  ok "COPY TO PROGRAM is refused by the server"
else
  no "COPY TO PROGRAM is refused by the server (exit $rc: $(cat "$root/err"))"
fi

# 3. kill -9 (10 times, at random points of start and while it runs)
# leaves directories; one more run removes them all
for i in $(seq "${MIGPROP_KILL_ROUNDS:-10}"); do
  "$bin" cluster sleep 30 >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 6))"
  kill -9 $pid; wait $pid 2>/dev/null
done
[ "$(left)" -ge 1 ] && ok "kill -9 left directories (as expected): $(left)" || no "kill -9 left no directory to sweep"
for _ in $(seq 100); do pgrep -f "$MIGPROP_TMPDIR" >/dev/null || break; sleep 0.05; done
"$bin" cluster true || no "cluster start after kill -9"
[ "$(left)" -eq 0 ] && ok "the next run removed every leftover" || no "leftovers after the next run: $(ls "$MIGPROP_TMPDIR")"

# 4. SIGINT at random points of start: exit 130 or a clean start, nothing left
false_errors=0
for i in $(seq "${MIGPROP_SIGINT_ROUNDS:-20}"); do
  [ $((i % 3)) -eq 0 ] && rm -rf "${MIGPROP_CACHE_DIR:?}"/* # also while the cache is being made
  "$bin" cluster true 2>"$root/err" &
  pid=$!
  sleep "0.0$((RANDOM % 10))"
  kill -INT $pid 2>/dev/null
  wait $pid
  rc=$?
  # exit 130 when cut short; anything else, or initdb blamed, is a false error
  if grep -q 'initdb failed' "$root/err" || { [ $rc -ne 0 ] && [ $rc -ne 130 ]; }; then
    false_errors=$((false_errors + 1))
    echo "# SIGINT round $i: exit $rc: $(tr '\n' ' ' <"$root/err")"
  fi
done
for _ in $(seq 100); do pgrep -f "$MIGPROP_TMPDIR" >/dev/null || break; sleep 0.05; done
[ $false_errors -eq 0 ] && ok "SIGINT during start: no false error" || no "SIGINT during start: $false_errors false errors"
[ "$(left)" -eq 0 ] && ok "SIGINT during start: nothing left" || no "SIGINT during start left: $(ls "$MIGPROP_TMPDIR")"
pgrep -f "$MIGPROP_TMPDIR" >/dev/null && no "a postgres of this test is still running" || ok "no postgres left"
ls "$MIGPROP_CACHE_DIR" | grep -q '\.tmp' && no "a partial cache copy was left" || ok "no partial cache copy"
echo "# $fails failed"
[ $fails -eq 0 ]
