#!/usr/bin/env bash
# realhist_test.sh MIGPROP sqlite|postgres: `migprop plan` on the consecutive
# states of real projects' migration histories (tests/realhist/<project>-<dialect>/,
# sources in each SOURCE.md).  For each history the migrations are applied one
# by one with the dialect's client (sqlite3 -bail / psql -v ON_ERROR_STOP=1),
# giving states 0 (empty) .. n; for each pair k -> k+1 both states are dumped
# (sqlite3 .schema / pg_dump -s --no-owner), `migprop plan --from dump_k --to
# dump_k+1` plans, the plan is applied to a copy of state k and the result is
# compared with state k+1 through tests/introspect.sh, an introspection
# independent of migprop's db/ code.  Each pair is one of
#   pass     planned (exit 0), applied, equal to state k+1 (constraint
#            names aside: a pass whose names differ is counted and shown)
#   refused  plan exit 2 with a reason (recorded: what the model lacks)
#   wrong    plan exit 0 but the script fails or the result differs: a silent
#            wrong answer
#   crash    any other exit status (a signal, 1 without --fail-on-data-loss)
# Prints a table per history and the pass rate, then TAP: no wrong or crash
# in any history, and each history passes at least the pairs recorded in
# tests/realhist/expected (so a pair that passed today cannot start being
# refused unnoticed; raise the floor as the model grows).  PostgreSQL: run
# under `migprop cluster` (DATABASE_URL, PGHOST, PGPORT, PGUSER).
# A migration may come with the rename hints a user would give (diesel:
# NAME/migprop.renames, sqlx: NAME.renames), passed as --renames.
# MIGPROP_REALHIST_MAX_PAIRS (default 40 on SQLite, 4 on PostgreSQL) samples
# longer histories evenly.
set -u -o pipefail
M=$1 D=$2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/introspect.sh"
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/realhist.XXXXXX")
trap 'rm -rf "$W"' EXIT
# on PostgreSQL a pair costs ~2 s (plan loads both dumps into scratch
# databases; each psql connection to a fresh cluster ~0.2 s): 4 pairs a
# history by default there, MIGPROP_REALHIST_MAX_PAIRS=1000 for all of them
MAXP=${MIGPROP_REALHIST_MAX_PAIRS:-$([ "$D" = sqlite ] && echo 40 || echo 4)}
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() { tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"; }

case $D in
  sqlite) suffix=sqlite ;;
  postgres)
    suffix=postgresql
    [ -n "${DATABASE_URL:-}" ] || { echo "1..0 # SKIP no DATABASE_URL (run under migprop cluster)"; exit 0; }
    KW="host=${PGHOST:?} port=${PGPORT:-5432} user=${PGUSER:?}"
    ;;
  *) echo "usage: realhist_test.sh MIGPROP sqlite|postgres" >&2; exit 2 ;;
esac

# the migration files of a history in order: diesel's NAME/up.sql, or
# sqlx's NAME.sql
migrations() {
  local e
  for e in "$1"/*; do
    if [ -f "$e/up.sql" ]; then echo "$e/up.sql"; elif [ "${e%.sql}" != "$e" ] && [ -f "$e" ]; then echo "$e"; fi
  done
}

# dialect primitives: a state is a file (SQLite) or a database (PostgreSQL)
pgdb() { echo "$KW dbname=$1"; }
# the database of a state named NAME: rh_NAME
pg_recreate() {
  psql -X -q -d "$(pgdb postgres)" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null 2>&1
}
# apply_file STATE FILE: run FILE on STATE with the dialect's client
apply_file() {
  if [ "$D" = sqlite ]; then sqlite3 -bail "$W/$1.db" <"$2"
  else
    # one transaction per migration as diesel and sqlx run them, except for
    # what PostgreSQL refuses inside one
    local one=-1
    grep -qi 'concurrently' "$2" && one=
    psql -X -q -v ON_ERROR_STOP=1 $one -d "$(pgdb "rh_$1")" -f "$2" >/dev/null
  fi
}
dump() { # dump STATE > FILE
  if [ "$D" = sqlite ]; then sqlite3 "$W/$1.db" .schema; else pg_dump -s --no-owner -d "$(pgdb "rh_$1")"; fi
}
# introspect STATE: the independent introspection; a failing query ends the
# test (an empty introspection would make every comparison pass)
introspect() {
  if [ "$D" = sqlite ]; then introspect_sqlite "$W/$1.db"; else introspect_pg "$(pgdb "rh_$1")"; fi ||
    { echo "Bail out! the introspection of state $1 failed"; exit 1; }
}
# load STATE FROM_K: a fresh STATE holding state FROM_K
load_state() {
  if [ "$D" = sqlite ]; then cp "$W/s$2.db" "$W/$1.db"
  else
    printf 'DROP DATABASE IF EXISTS rh_%s;\nCREATE DATABASE rh_%s;\n\\c rh_%s\n\\i %s\n' "$1" "$1" "$1" "$W/dump$2.sql" |
      psql -X -q -v ON_ERROR_STOP=1 -d "$(pgdb postgres)" >/dev/null 2>&1
  fi
}

# reasons ERRFILE: why plan refused, as categories without object names, one
# a line: each kind of unmodelled object, or the first line of another
# refusal with the quoted names replaced by _
reasons() {
  if grep -q '^ *not modelled: ' "$1"; then
    sed -n 's/^ *not modelled: //p' "$1" | sed -E \
      -e 's/^table [^:]+: /table: /' -e 's/^index [^:]+: [A-Z].*/index (a definition the model lacks)/' \
      -e 's/^index [^:]+: /index: /' -e 's/^(sequence|function|view|materialized view|extension) .*/\1/' \
      -e 's/^type [^ ]+ /type /' -e 's/column [^ ]+ /column /' -e 's/of type [^ ]+ /of type /' -e 's/nextval\(.*/nextval(...)/' \
      -e 's/(CHECK|EXCLUDE) constraint .*/\1 constraint/' -e 's/trigger .*/trigger/' \
      -e 's/foreign key [^ ]+ FOREIGN KEY .*(DEFERRABLE|MATCH FULL).*/foreign key \1/' | LC_ALL=C sort -u
  else
    grep -v -e 'skipped psql meta-command' "$1" | grep -m1 . |
      sed -E -e 's/^migprop plan: [^ ]+ -> [^ ]+: //' -e 's/^migprop plan: //' -e 's/"[^"]*"/_/g' -e 's/step [0-9]+/step N/' \
        -e 's/ \(planned: .*//'
  fi
}

# one history: states, pairs, the table; sets h_pass h_ref h_wrong h_crash h_pairs
run_history() {
  local dir=$1 name k n i st files=() sel=()
  name=$(basename "$dir")
  mapfile -t files < <(migrations "$dir")
  n=${#files[@]}
  # state 0 .. n
  if [ "$D" = sqlite ]; then rm -f "$W/cur.db"; sqlite3 "$W/cur.db" 'VACUUM'; cp "$W/cur.db" "$W/s0.db"
  else pg_recreate rh_cur; fi
  : >"$W/dump0.sql"
  # the pairs k -> k+1, every one or MAXP spread evenly; only their states
  # are dumped and introspected
  local need=()
  for ((k = 0; k < n; k++)); do
    if [ "$n" -le "$MAXP" ] || [ $(((k * MAXP) / n)) -ne $((((k + 1) * MAXP) / n)) ]; then
      sel+=("$k"); need[k]=1; need[k + 1]=1
    fi
  done
  introspect cur >"$W/intro0.txt"
  for ((k = 1; k <= n; k++)); do
    if ! apply_file cur "${files[k - 1]}" >"$W/err" 2>&1; then
      bad "$name: migration $k (${files[k - 1]#"$dir"/}) applies"; sed 's/^/# /' "$W/err" | head -5
      h_pairs=0 h_pass=0 h_ref=0 h_wrong=0 h_crash=1; return
    fi
    [ -n "${need[k]:-}" ] || continue
    [ "$D" = sqlite ] && cp "$W/cur.db" "$W/s$k.db"
    dump cur >"$W/dump$k.sql"
    introspect cur >"$W/intro$k.txt"
  done
  h_pairs=${#sel[@]} h_pass=0 h_ref=0 h_wrong=0 h_crash=0 h_names=0
  echo "# $name ($D): $n migrations, ${#sel[@]} pairs"
  printf '#   %-3s %-52s %-8s %s\n' k "migration k+1" result detail
  for k in "${sel[@]}"; do
    local mig res detail
    mig=${files[k]#"$dir"/}; mig=${mig%/up.sql}
    # rename hints, where a history has them: NAME/migprop.renames (diesel)
    # or NAME.renames (sqlx) next to migration k+1
    local hints=() h=${files[k]%up.sql}migprop.renames
    [ "${files[k]%/up.sql}" = "${files[k]}" ] && h=${files[k]%.sql}.renames
    [ -f "$h" ] && hints=(--renames "$h")
    "$M" plan --from "$W/dump$k.sql" --to "$W/dump$((k + 1)).sql" --dialect "$D" "${hints[@]}" >"$W/plan.sql" 2>"$W/err"
    st=$?
    if [ $st -eq 2 ]; then
      res=refused h_ref=$((h_ref + 1))
      reasons "$W/err" >"$W/r.txt"
      detail="$(head -1 "$W/r.txt")$(n=$(wc -l <"$W/r.txt"); [ "$n" -gt 1 ] && echo " (+$((n - 1)) more)")"
      cat "$W/r.txt" >>"$W/reasons.txt"
    elif [ $st -ne 0 ]; then
      res=crash h_crash=$((h_crash + 1)) detail="plan exited $st: $(grep -m1 . "$W/err")"
    elif ! load_state app "$k"; then
      res=crash h_crash=$((h_crash + 1)) detail="state $k does not reload from its dump"
    elif ! apply_file app "$W/plan.sql" >"$W/aerr" 2>&1; then
      res=wrong h_wrong=$((h_wrong + 1)) detail="the plan fails: $(grep -m1 . "$W/aerr")"
      { echo "## $name $k -> $((k + 1)): the plan fails"; cat "$W/aerr" "$W/plan.sql"; } >>"$W/wrong.txt"
    else
      introspect app >"$W/got.txt"
      if cmp -s <(introspect_unnamed <"$W/intro$((k + 1)).txt") <(introspect_unnamed <"$W/got.txt"); then
        res=pass h_pass=$((h_pass + 1)) detail=
        if ! cmp -s "$W/intro$((k + 1)).txt" "$W/got.txt"; then
          h_names=$((h_names + 1))
          detail="constraint names differ: $(diff "$W/intro$((k + 1)).txt" "$W/got.txt" | grep '^[<>]' | tr '\n' ' ')"
        fi
      else
        res=wrong h_wrong=$((h_wrong + 1))
        detail="differs: $(diff "$W/intro$((k + 1)).txt" "$W/got.txt" | grep -m1 '^[<>]')"
        { echo "## $name $k -> $((k + 1)): the result differs (< wanted, > got)"
          diff "$W/intro$((k + 1)).txt" "$W/got.txt"; cat "$W/plan.sql"; } >>"$W/wrong.txt"
      fi
    fi
    printf '#   %-3s %-52s %-8s %s\n' "$k" "${mig:0:52}" "$res" "${detail:0:150}"
  done
  echo "# $name ($D): pass $h_pass/$h_pairs ($((h_pairs ? h_pass * 100 / h_pairs : 0)) %), refused $h_ref, wrong $h_wrong, crash $h_crash; passes with other constraint names $h_names"
}

: >"$W/reasons.txt"
: >"$W/wrong.txt"
all_pairs=0 all_pass=0
for dir in "$HERE"/realhist/*-"$suffix"/; do
  dir=${dir%/}
  name=$(basename "$dir")
  run_history "$dir"
  all_pairs=$((all_pairs + h_pairs)) all_pass=$((all_pass + h_pass))
  if [ $((h_wrong + h_crash)) -eq 0 ]; then ok "$name: no silent wrong answer, no crash"
  else bad "$name: no silent wrong answer, no crash ($h_wrong wrong, $h_crash crash)"; fi
  floor=$(awk -v n="$name" '$1 == n { print $2 }' "$HERE/realhist/expected")
  if [ -z "$floor" ]; then bad "$name: a floor in tests/realhist/expected"
  elif [ "$h_pass" -ge "$floor" ]; then ok "$name: passes $h_pass pairs, at least the $floor recorded"
  else bad "$name: passes $h_pass pairs, fewer than the $floor recorded"; fi
done
echo "# all $D histories: pass $all_pass/$all_pairs ($((all_pairs ? all_pass * 100 / all_pairs : 0)) %)"
if [ -s "$W/reasons.txt" ]; then
  echo "# refusal reasons (pairs refused for each, object names left out):"
  LC_ALL=C sort "$W/reasons.txt" | uniq -c | sort -rn | head -15 | sed 's/^/#  /'
fi
if [ -s "$W/wrong.txt" ]; then sed 's/^/# /' "$W/wrong.txt" | head -200; fi
echo "1..$tests"
[ "$fails" -eq 0 ]
