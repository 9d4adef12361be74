#!/usr/bin/env bash
# kill_storm.sh MIGPROP sqlite|postgres [KILLS_UP KILLS_DOWN [RUNNERS ROUNDS]]:
# kill -9 `migprop migrate` at random points and check that the tracking
# table never lies.  A history of 50 migrations (plain transactional files,
# BEGIN ... COMMIT files as `migprop plan` prints them, and no-transaction
# files), each creating a table with rows and inserting its version into
# run_log.  After every kill: the tracking table agrees with the schema and
# with run_log (an 'applied' migration has its table and exactly one log
# row, a pending or failed one neither; 'running'/'dirty' only for a
# no-transaction migration, the one that was cut), then the database is
# fixed by hand where dirty, `repair`, and a re-run converges.  Then RUNNERS
# concurrent `up`s, ROUNDS times, on a fresh database: every migration once.
# Defaults 10 5 8 3; MIGPROP_KILL_STORM_FULL=1: 50 20 8 20.  The seed is
# MIGPROP_KILL_STORM_SEED (default: the time), printed first.  PostgreSQL
# runs under `migprop cluster` (PGHOST, PGUSER).  Exits 1 on any
# inconsistency or double apply.
set -u
M=$1
B=$2
if [ "${MIGPROP_KILL_STORM_FULL:-0}" = 1 ]; then KU=50 KD=20 NR=8 RR=20; else KU=10 KD=5 NR=8 RR=3; fi
KU=${3:-$KU}
KD=${4:-$KD}
NR=${5:-$NR}
RR=${6:-$RR}
N=50
SEED=${MIGPROP_KILL_STORM_SEED:-$(date +%s)}
RANDOM=$SEED
echo "# kill storm: $B, seed $SEED, $KU kills during up, $KD during down, $NR runners x $RR rounds"
# scratch on tmpfs when there is one (as base/os.h's mp_scratch_dir())
T=${MIGPROP_TMPDIR:-}
[ -z "$T" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && T=/dev/shm
W=$(mktemp -d "${T:-${TMPDIR:-/tmp}}/migprop-storm.XXXXXX")
DBS=()
cleanup() {
  if [ "$B" = postgres ]; then
    for d in "${DBS[@]}"; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done
  fi
  rm -rf "$W"
}
trap cleanup EXIT
kills=0 incons=0 doubles=0 dirty_seen=0 runs=0

# ---- the history ----
D=$W/migrations
mkdir -p "$D"
rows() { # rows I: 100 rows into t_I
  if [ "$B" = sqlite ]; then
    echo "INSERT INTO t_$1 (id, s) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) SELECT x, 'row ' || x FROM c;"
  else
    echo "INSERT INTO t_$1 (id, s) SELECT x, 'row ' || x FROM generate_series(1, 100) AS x;"
  fi
}
for i in $(seq 1 $N); do
  f=$D/$(printf %03d "$i")_m$i
  log=""
  [ "$i" -eq 1 ] && log="CREATE TABLE run_log (v integer NOT NULL, at text);"
  case $((i % 5)) in
  0) # outside a transaction: statement by statement, dirty when cut
    printf -- '-- migprop:no-transaction\n%s\nCREATE TABLE t_%d (id integer PRIMARY KEY, s text);\n%s\nINSERT INTO run_log (v) VALUES (%d);\n' \
      "$log" "$i" "$(rows "$i")" "$i" >"$f.up.sql"
    printf -- '-- migprop:no-transaction\nDELETE FROM run_log WHERE v = %d;\nDROP TABLE t_%d;\n' "$i" "$i" >"$f.down.sql" ;;
  1) # a BEGIN ... COMMIT script, as `migprop plan` prints
    printf -- '-- migration %d\nBEGIN;\n%s\nCREATE TABLE t_%d (id integer PRIMARY KEY, s text);\n%s\nINSERT INTO run_log (v) VALUES (%d);\nCOMMIT;\n' \
      "$i" "$log" "$i" "$(rows "$i")" "$i" >"$f.up.sql"
    if [ "$i" -eq 1 ]; then
      printf 'BEGIN;\nDROP TABLE t_1;\nDROP TABLE run_log;\nCOMMIT;\n' >"$f.down.sql"
    else
      printf 'BEGIN;\nDELETE FROM run_log WHERE v = %d;\nDROP TABLE t_%d;\nCOMMIT;\n' "$i" "$i" >"$f.down.sql"
    fi ;;
  *) # a plain file in the runner's transaction
    printf '%s\nCREATE TABLE t_%d (id integer PRIMARY KEY, s text);\n%s\nINSERT INTO run_log (v) VALUES (%d);\n' \
      "$log" "$i" "$(rows "$i")" "$i" >"$f.up.sql"
    printf 'DELETE FROM run_log WHERE v = %d;\nDROP TABLE t_%d;\n' "$i" "$i" >"$f.down.sql" ;;
  esac
done

# ---- databases ----
dbn=0
fresh() {
  dbn=$((dbn + 1))
  if [ "$B" = sqlite ]; then
    DB="sqlite:$W/db$dbn.sqlite"
  else
    local name=storm_$$_$dbn
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $name" >/dev/null || exit 2
    DBS+=("$name")
    DB="postgresql:///$name?host=$PGHOST&user=$PGUSER"
  fi
}
sql() {
  if [ "$B" = sqlite ]; then sqlite3 -bail "${DB#sqlite:}" "$1"; else psql -X -qtA -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; fi
}
has_table() {
  if [ "$B" = sqlite ]; then sql "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '$1'"
  else sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '$1'"; fi
}
run() { "$M" migrate --dir "$D" --db "$DB" "$@" >>"$W/log" 2>&1; }

# state: one line per version, "V STATUS TABLE LOGROWS", from one query
state() {
  local trk log st ex lg
  trk=$(has_table migprop_migrations)
  log=$(has_table run_log)
  if [ "$trk" = 1 ]; then st="coalesce((SELECT status FROM migprop_migrations WHERE version = CAST(i AS text)), 'none')"
  else st="'none'"; fi
  if [ "$log" = 1 ]; then lg="(SELECT count(*) FROM run_log WHERE v = i)"; else lg=0; fi
  if [ "$B" = sqlite ]; then
    ex="(SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 't_' || i)"
    sql "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $N) SELECT i, $st, $ex, $lg FROM s"
  else
    ex="(CASE WHEN to_regclass('public.t_' || i) IS NULL THEN 0 ELSE 1 END)"
    sql "SELECT i, $st, $ex, $lg FROM generate_series(1, $N) AS i"
  fi | tr '|' ' '
}
# tables that are neither t_N, run_log nor the tracking table
strays() {
  if [ "$B" = sqlite ]; then
    sql "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT GLOB 't_[0-9]*' AND name NOT IN ('run_log', 'migprop_migrations')"
  else
    sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename !~ '^t_[0-9]+$' AND tablename NOT IN ('run_log', 'migprop_migrations')"
  fi
}
problem() { incons=$((incons + 1)); echo "# inconsistency ($1): $2"; }
# check WHAT: the tracking table agrees with the schema and run_log; sets DIRTY
check() {
  local what=$1 v st ex lg
  DIRTY=""
  [ "$(strays)" = 0 ] || problem "$what" "tables that no migration makes"
  while read -r v st ex lg; do
    [ "$lg" -gt 1 ] && { doubles=$((doubles + 1)); problem "$what" "migration $v logged $lg times"; }
    case $st in
    applied) [ "$ex" = 1 ] && [ "$lg" = 1 ] || problem "$what" "$v recorded applied, table $ex, log $lg" ;;
    none | failed) [ "$ex" = 0 ] && [ "$lg" = 0 ] || problem "$what" "$v recorded $st, but table $ex, log $lg" ;;
    running | dirty)
      [ $((v % 5)) = 0 ] || problem "$what" "$v ($st) runs in a transaction, it cannot be cut"
      [ -z "$DIRTY" ] || problem "$what" "two dirty migrations"
      DIRTY=$v ;;
    *) problem "$what" "$v: unknown status '$st'" ;;
    esac
  done < <(state)
}
# fix the database by hand where dirty (undo the cut migration), then repair
fix_dirty() {
  [ -n "$DIRTY" ] || return 0
  dirty_seen=$((dirty_seen + 1))
  sql "DROP TABLE IF EXISTS t_$DIRTY" >/dev/null
  [ "$(has_table run_log)" = 1 ] && sql "DELETE FROM run_log WHERE v = $DIRTY" >/dev/null
  run repair || problem repair "repair failed"
}
# all WANT (applied|none) after a converging run
converged() {
  local what=$1 want=$2 c
  check "$what"
  c=$(state | awk -v w="$want" '$2 != w' | wc -l)
  [ "$c" = 0 ] || problem "$what" "$c migrations not $want after the re-run"
}
# kill -9 `migprop migrate ARGS` after a random delay in [0, LIMIT_MS]
kill_at_random() {
  local limit=$1
  shift
  "$M" migrate --dir "$D" --db "$DB" "$@" >>"$W/log" 2>&1 &
  local pid=$!
  local ms=$((RANDOM % (limit + 1)))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  KILLED=0
  kill -9 "$pid" 2>/dev/null && KILLED=1 && kills=$((kills + 1))
  wait "$pid" 2>/dev/null
  runs=$((runs + 1))
}
# one kill of `migprop migrate ARGS` (retried while the run finished first):
# SETUP prepares a fresh database, then the check, the repair and the
# converging re-run (RERUN...) expecting WANT
storm_one() {
  local what=$1 setup=$2 limit=$3 want=$4 args=$5 rerun=$6 tries=0
  KILLED=0
  while [ "$KILLED" = 0 ] && [ $tries -lt 8 ]; do
    tries=$((tries + 1))
    fresh
    REMAIN=$N
    $setup
    # shellcheck disable=SC2086
    kill_at_random "$((limit * REMAIN / N + 5))" $args
    check "$what"
    fix_dirty
    # shellcheck disable=SC2086
    run $rerun || problem "$what" "re-run failed: $(tail -1 "$W/log")"
    converged "$what, re-run" "$want"
  done
}
# the setups leave REMAIN migrations for the killed run, which scales its window
setup_up() {
  if [ $((RANDOM % 2)) = 0 ]; then
    local v=$((RANDOM % (N - 1) + 1))
    run to "$v" || problem setup "to failed"
    REMAIN=$((N - v))
  fi
}
setup_down() {
  run up || problem setup "up failed"
  if [ $((RANDOM % 2)) = 0 ]; then
    local k=$((RANDOM % (N - 1) + 1))
    run down "$k" || problem setup "down failed"
    REMAIN=$((N - k))
  fi
}
# the time of a whole up and a whole down, in ms: the window kills land in
fresh
t0=$(date +%s%N)
run up || { echo "# a plain up failed:"; tail -5 "$W/log"; exit 1; }
t1=$(date +%s%N)
run down $N || { echo "# a plain down failed:"; tail -5 "$W/log"; exit 1; }
t2=$(date +%s%N)
UPMS=$(((t1 - t0) / 1000000))
DOWNMS=$(((t2 - t1) / 1000000))
echo "# a whole up takes ~${UPMS} ms, a whole down ~${DOWNMS} ms"

for k in $(seq 1 "$KU"); do storm_one "kill $k during up" setup_up "$UPMS" applied up up; done
for k in $(seq 1 "$KD"); do storm_one "kill $k during down" setup_down "$DOWNMS" none "down $N" "down $N"; done
failed_runners=0
for r in $(seq 1 "$RR"); do
  fresh
  run status >/dev/null 2>&1 # the tracking table exists before they race
  pids=()
  for j in $(seq 1 "$NR"); do
    "$M" migrate --dir "$D" --db "$DB" up >>"$W/log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || failed_runners=$((failed_runners + 1)); done
  converged "round $r of $NR runners" applied
done
[ "$failed_runners" = 0 ] || problem runners "$failed_runners concurrent runners exited non-zero"
echo "# kills: $kills (asked: up $KU, down $KD; $runs runs), dirty after a kill: $dirty_seen, inconsistencies: $incons, double applies: $doubles, concurrent runs: $((NR * RR)) (failed: $failed_runners)"
if [ "$incons" = 0 ] && [ "$doubles" = 0 ]; then echo "ok 1 - kill storm ($B)"; echo 1..1; exit 0; fi
echo "not ok 1 - kill storm ($B)"
echo 1..1
exit 1
