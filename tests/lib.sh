# lib.sh: TAP helpers shared by the command-line test scripts (sourced, never run).
#
#   . "$(dirname "$0")/lib.sh"
#   mp_t_init NAME MIGPROP [BACKEND [DBPREFIX]]
#
# mp_t_init sets M (migprop's absolute path), B (sqlite | postgres), W (a
# scratch directory under $MIGPROP_TMPDIR, or $TMPDIR, removed at exit with
# any background job still running), the TAP counters, and DBPREFIX, the
# name stem of the databases `fresh` creates on PostgreSQL (they live in the
# disposable cluster the script runs under, so a stem only has to be unique
# within one script).  A script may redefine any helper after sourcing.
# mp_t_done prints the plan line and exits 1 when a test failed.

mp_t_init() {
  M=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
  B=${3:-sqlite}
  DBPREFIX=${4:-t}
  W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/$1.XXXXXX") || exit 2
  trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$W"' EXIT
  n=0 fails=0 tests=0
}

ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
# bad DESC: a failed test, followed by the head of the last command's stderr and stdout
bad() {
  tests=$((tests + 1)) fails=$((fails + 1))
  echo "not ok $tests - $1"
  sed 's/^/# /' "$W/err" "$W/out" 2>/dev/null | head -30
}
# expect STATUS DESC ARGS...: migprop ARGS exits STATUS (stdout in $W/out, stderr in $W/err)
expect() {
  local want=$1 desc=$2
  shift 2
  "$M" "$@" >"$W/out" 2>"$W/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$desc"; else bad "$desc (exit $got, wanted $want)"; fi
}
# has out|err TEXT DESC: the last command's stdout or stderr contains TEXT; hasnt: it does not
has() { if grep -qF -- "$2" "$W/$1"; then ok "$3"; else bad "$3: '$2' not in std$1"; fi; }
hasnt() { if grep -qF -- "$2" "$W/$1"; then bad "$3: '$2' in std$1"; else ok "$3"; fi; }
# eq GOT WANT DESC
eq() { if [ "$1" = "$2" ]; then ok "$3"; else echo "got '$1' wanted '$2'" >"$W/err"; : >"$W/out"; bad "$3"; fi; }
# fresh: a new, empty database of backend B; sets DB (its URL)
fresh() {
  n=$((n + 1))
  if [ "$B" = sqlite ]; then
    DB="sqlite:$W/db$n.sqlite"
  else
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DBPREFIX$n" >/dev/null || exit 2
    DB="postgresql:///$DBPREFIX$n?host=$PGHOST&user=$PGUSER"
  fi
}
# sql QUERY: run QUERY on DB, print its rows ('|' between columns)
sql() {
  if [ "$B" = sqlite ]; then sqlite3 "${DB#sqlite:}" "$1"; else psql -X -qtA -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; fi
}
mp_t_done() {
  echo "1..$tests"
  [ "$fails" -eq 0 ] || { echo "# $fails of $tests failed"; exit 1; }
}
