#!/bin/sh
# dirjobs_test.sh MIGPROP sqlite|postgres - `migprop check --dir DIR --jobs N`:
# on the vaultwarden fixtures (tests/fixtures/vaultwarden-*) and on a copy
# with a planted defect (tests/dirjobs/, see its SOURCE.md), TAP and JUnit of
# --jobs 1 and --jobs 2 are the same bytes (PostgreSQL: JUnit on the copy) (the timings aside: `X trials/s`,
# `found after N trials in X s, shrunk in Y s`), as are the case directories
# of the failure; --jobs 3 with fewer trials than workers works; SIGINT
# leaves no worker, no scratch directory and (postgres) no schema behind;
# (sqlite) the result files of a run killed with SIGKILL go with the next
# run's sweep, those of a live run stay.
# postgres: run under `migprop cluster` (DATABASE_URL set).  Prints TAP.
set -u
MP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${MIGPROP_TMPDIR:-/tmp}/dirjobs.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
export MIGPROP_FAILURE_DB=
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1 [$BK]"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1 [$BK]"; }
# IT: random trials per property on vaultwarden; PIT: on the planted copy
# (its failure is trial 2); SS: the shrink budget in checks, not seconds,
# so a loaded machine shrinks as far; JUNIT: the formats compared on
# vaultwarden (PostgreSQL, where a trial costs more, JUnit on the planted copy only)
if [ "$BK" = postgres ]; then
    URL=${DATABASE_URL:?run under migprop cluster}
    VW=$HERE/fixtures/vaultwarden-postgresql IT=2 PIT=3 SS=8 VWF=tap
else
    URL= VW=$HERE/fixtures/vaultwarden-sqlite IT=25 PIT=25 SS=30 VWF="tap junit"
fi
# the planted copy: vaultwarden plus a migration whose down loses a column
cp -r "$VW" "$T/planted" && cp -r "$HERE/dirjobs/down-loses-column/." "$T/planted/" || exit 2

# run NAME JOBS FORMAT ARGS...: check --dir in its own directory $T/NAME.JOBS,
# cases under cases/ there (the same relative path in every report)
run() {
    name=$1 j=$2 fmt=$3
    shift 3
    mkdir -p "$T/$name.$j"
    (cd "$T/$name.$j" && "$MP" check --backend "$BK" ${URL:+--pg-url "$URL"} --seed 7 \
        --shrink-steps "$SS" --shrink-time 600 --out cases --format "$fmt" --jobs "$j" "$@" >report 2>err)
    echo $? >"$T/$name.$j/rc"
}
# the report with its timings masked
masked() {
    sed -e 's/[0-9.]* trials\/s/X trials\/s/' -e 's/in [0-9.]* s, shrunk in [0-9.]* s/in X s, shrunk in Y s/' "$1"
}
# same NAME A B WANT_RC: runs NAME.A and NAME.B exited WANT_RC, with the same
# masked report and the same case directories
same() {
    name=$1 a=$T/$1.$2 b=$T/$1.$3 want=$4
    if [ "$(cat "$a/rc")" = "$want" ] && [ "$(cat "$b/rc")" = "$want" ]; then ok "$name: both exit $want"; else
        bad "$name: exit $(cat "$a/rc") and $(cat "$b/rc"), want $want"; sed 's/^/# /' "$a/err" "$b/err" | head -20; fi
    if masked "$a/report" >"$a/masked" && masked "$b/report" >"$b/masked" && cmp -s "$a/masked" "$b/masked"; then
        ok "$name: --jobs $2 and --jobs $3 report the same"
    else
        bad "$name: --jobs $2 and --jobs $3 report differently"
        diff "$a/masked" "$b/masked" | head -30 | sed 's/^/# /'
    fi
    if [ ! -d "$a/cases" ] && [ ! -d "$b/cases" ]; then :; elif diff -r "$a/cases" "$b/cases" >"$T/cases.diff" 2>&1; then
        ok "$name: the same case directories"
    else
        bad "$name: the case directories differ"
        head -20 "$T/cases.diff" | sed 's/^/# /'
    fi
}
has() {
    if grep -q -- "$2" "$T/$1/report"; then ok "$1: has '$2'"; else bad "$1: no '$2' in the report"; sed 's/^/# /' "$T/$1/report" | head -40; fi
}

# the real history: every property holds or is skipped
for f in $VWF; do
    run "vw-$f" 1 "$f" --dir "$VW" --iterations "$IT"
    run "vw-$f" 2 "$f" --dir "$VW" --iterations "$IT"
    same "vw-$f" 1 2 0
done
has vw-tap.2 "^ok [0-9]* - step_roundtrip \[$BK\]\$"
has vw-tap.2 "^# $IT trials, [0-9.]* trials/s\$"
# the planted defect: the same failure, the same shrunk case, the same case
# file (step_roundtrip, the property that fails, first found at trial 2)
for f in tap junit; do
    run "planted-$f" 1 "$f" --dir "$T/planted" --properties step_roundtrip --iterations "$PIT"
    run "planted-$f" 2 "$f" --dir "$T/planted" --properties step_roundtrip --iterations "$PIT"
    same "planted-$f" 1 2 1
done
has planted-tap.2 "^not ok 1 - step_roundtrip \[$BK\]"
has planted-tap.2 "^  trial: 2\$"
has planted-tap.2 "^  subject: '2024-05-01-000000_invitation_note'\$"
has planted-tap.2 "^  shrunk_migrations: \".*2024-05-01-000000_invitation_note\"\$"
ls "$T/planted-tap.2/cases/"step_roundtrip-"$BK"-0000000000000007-t*.case/meta >/dev/null 2>&1 &&
    ok "planted: the case directory is written" || bad "planted: no case directory"
# more workers than trials: two trials of one property, three workers
run few 1 tap --dir "$T/planted" --properties ordering,step_roundtrip --iterations 2
run few 3 tap --dir "$T/planted" --properties ordering,step_roundtrip --iterations 2
same few 1 3 "$(cat "$T/few.1/rc")"
has few.3 "^ok 1 - ordering \[$BK\]\$"
has few.3 "^# 2 trials, "

# SIGINT to the parent: the workers end, nothing is left, a partial report
mkdir -p "$T/int" "$T/int/tmp"
chmod 755 "$T" "$T/int" "$T/int/tmp"
(cd "$T/int" && MIGPROP_TMPDIR=$T/int/tmp exec "$MP" check --backend "$BK" ${URL:+--pg-url "$URL"} --seed 7 \
    --iterations 100000 --properties step_roundtrip --out cases --jobs 2 --dir "$VW" >report 2>err) &
pid=$!
workers= waited=0
while [ -z "$workers" ] && [ $waited -lt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
    workers=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' | tr '\n' ' ')
done
sleep 1 # trials under way
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] && ok "SIGINT: exit 130" || { bad "SIGINT: exit $rc, want 130"; sed 's/^/# /' "$T/int/err" | head; }
[ -n "$workers" ] && ok "SIGINT: workers were running ($workers)" || bad "SIGINT: no worker seen"
left=
for w in $workers; do kill -0 "$w" 2>/dev/null && left="$left $w"; done
[ -z "$left" ] && ok "SIGINT: no worker left" || bad "SIGINT: workers left:$left"
[ -z "$(ls -A "$T/int/tmp")" ] && ok "SIGINT: nothing left in MIGPROP_TMPDIR" ||
    bad "SIGINT: left in MIGPROP_TMPDIR: $(ls -A "$T/int/tmp")"
[ ! -e "$T/int/cases" ] && ok "SIGINT: no case written" || bad "SIGINT: a case was written"
grep -q '^# interrupted after [0-9]* trials\{0,1\} (SIGINT): a partial report$' "$T/int/report" &&
    ok "SIGINT: the report says so" || { bad "SIGINT: no '# interrupted after N trials'"; sed 's/^/# /' "$T/int/report"; }
if [ "$BK" = postgres ]; then
    # the server drops a closed session's transaction, and the trial's schema with it, as it notices
    k=0 schemas=1
    while [ $k -lt 50 ]; do
        schemas=$(psql "$URL" -Atc "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'migprop%'")
        [ "$schemas" = 0 ] && break
        sleep 0.1
        k=$((k + 1))
    done
    [ "$schemas" = 0 ] && ok "SIGINT: no schema left on the server" || bad "SIGINT: $schemas schemas left on the server"
fi
if [ "$BK" = sqlite ]; then
    # the workers' result files of a run killed with SIGKILL (the random
    # suite's --jobs and --dir's): owner-locked directories that a later run
    # removes once their lock is free, and leaves alone while their run lives
    S=$T/stale
    mkdir -p "$S"
    MIGPROP_TMPDIR=$S "$MP" check --backend sqlite --iterations 1000000 --seed 1 --no-shrink --jobs 2 \
        --out "$S.cases" >/dev/null 2>&1 &
    pa=$!
    MIGPROP_TMPDIR=$S "$MP" check --backend sqlite --iterations 1000000 --seed 1 --jobs 2 \
        --properties step_roundtrip --out "$S.cases" --dir "$VW" >/dev/null 2>&1 &
    pb=$!
    k=0
    while [ $k -lt 100 ] && ! { ls -d "$S"/migprop-jobs-* && ls -d "$S"/migprop-dirjobs-*; } >/dev/null 2>&1; do
        sleep 0.1
        k=$((k + 1))
    done
    live=$(cd "$S" && ls -d migprop-jobs-* migprop-dirjobs-* 2>/dev/null | tr '\n' ' ')
    MIGPROP_TMPDIR=$S "$MP" check --backend sqlite --iterations 1 --jobs 2 --out "$S.cases" --dir "$VW" >/dev/null 2>&1
    kept=0
    for d in $live; do [ -d "$S/$d" ] && kept=$((kept + 1)); done
    [ "$kept" = 2 ] && ok "stale: a live run's result directories stay ($live)" ||
        bad "stale: $kept of the live runs' 2 result directories ($live) survived another run"
    kill -9 "$pa" "$pb"
    wait "$pa" "$pb" 2>/dev/null
    sleep 1 # the workers die with their parents (PR_SET_PDEATHSIG), and with them the lock
    MIGPROP_TMPDIR=$S "$MP" check --backend sqlite --iterations 1 --jobs 2 --out "$S.cases" --dir "$VW" >/dev/null 2>&1
    left=$(cd "$S" && ls -d migprop-job* migprop-dirjobs-* 2>/dev/null | tr '\n' ' ')
    [ -z "$left" ] && ok "stale: a killed run's result directories go with the next run" ||
        bad "stale: left after a killed run and the next: $left"
fi
echo "1..$n"
[ "$fails" = 0 ]
