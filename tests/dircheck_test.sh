#!/bin/sh
# dircheck_test.sh MIGPROP sqlite|postgres - `migprop check --dir` on real
# diesel histories (tests/fixtures/vaultwarden-*) and on planted defects in
# a small hand-written history (tests/dircheck/, see its SOURCE.md): every
# defect is caught by the property meant for it, shrunk, written as a
# DIR.case/ directory, and `migprop replay` of that case fails again.
# postgres: run under `migprop cluster` (DATABASE_URL set).
set -u
MP=$1
BK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${MIGPROP_TMPDIR:-/tmp}/dircheck.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
fails=0
# shrinking runs to its local minimum (tens of checks); the time budget only guards a runaway
if [ "$BK" = postgres ]; then IT=8; else IT=25; fi
ST=300
# mp COMMAND ARGS...: migprop, on the cluster's server for postgres
mp() {
    cmd=$1
    shift
    if [ "$BK" = postgres ]; then
        "$MP" "$cmd" --pg-url "${DATABASE_URL:?run under migprop cluster}" "$@"
    else
        "$MP" "$cmd" "$@"
    fi
}

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run NAME EXPECTED_EXIT ARGS...: check --dir, output in $T/NAME.out
run() {
    name=$1 want=$2
    shift 2
    mp check --backend "$BK" --seed 7 --iterations "$IT" --shrink-time "$ST" --out "$T/$name.failures" "$@" \
        >"$T/$name.out" 2>"$T/$name.err"
    got=$?
    [ "$got" = "$want" ] || { fail "$name: exit $got, want $want"; cat "$T/$name.out" "$T/$name.err"; }
}
has() { grep -q -- "$2" "$T/$1.out" || { fail "$1: no '$2' in the report"; cat "$T/$1.out"; }; }
# caught NAME PROPERTY KIND SUBJECT: the point failed with that kind and subject, a
# case was written, and its replay fails again
caught() {
    has "$1" "^not ok [0-9]* - $2 \[$BK\]"
    has "$1" "^  kind: $3\$"
    has "$1" "^  subject: '$4'\$"
    case=$(sed -n 's/^  case: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$T/$1.out" | head -n 1)
    if [ -z "$case" ] || [ ! -f "$case/meta" ] || [ ! -d "$case/migrations" ]; then
        fail "$1: no case directory"
        return
    fi
    mp replay "$case" >"$T/$1.replay" 2>&1
    r=$?
    [ "$r" = 1 ] || { fail "$1: replay of $case exits $r, want 1"; cat "$T/$1.replay"; }
    grep -q "^  kind: $3\$" "$T/$1.replay" || fail "$1: replay fails otherwise"
}

# real histories: every property passes or is skipped for a stated reason;
# the migrations without down.sql are named
if [ "$BK" = sqlite ]; then
    VW=$HERE/fixtures/vaultwarden-sqlite
    IRREV="2018-01-14-171611_create_tables 2018-02-17-205753_create_collections_and_orgs
           2018-05-25-232323_update_attachments_reference"
    if "$MP" migrate --dir "$VW" --db "sqlite:$T/probe.db" status >/dev/null 2>&1; then
        IRREV="$IRREV 2024-03-13_170000_sso_userscascade"
    else
        # a directory reader without diesel's underscore rule: the rest of the history
        echo "# note: this build's directory reader refuses 2024-03-13_170000_sso_userscascade; checking the others"
        cp -r "$VW" "$T/vw" && rm -rf "$T/vw/2024-03-13_170000_sso_userscascade"
        VW=$T/vw
    fi
else
    VW=$HERE/fixtures/vaultwarden-postgresql
    IRREV="2019-09-12-100000_create_tables 2019-10-10-083032_add_column_to_twofactor
           2020-03-13-205045_add_policy_table"
fi
run vaultwarden 0 --dir "$VW"
for p in applies_fresh idempotent_rerun step_roundtrip data_preserved ordering; do
    has vaultwarden "^ok [0-9]* - $p \[$BK\]\$"
done
for m in $IRREV; do has vaultwarden "^# irreversible (no down): $m\$"; done
has vaultwarden "^# [0-9]* trials, [0-9.]* trials/s\$"
grep "trials/s" "$T/vaultwarden.out"

# the small history passes, final schema included
run base 0 --dir "$HERE/dircheck/base" --expect-schema "$HERE/dircheck/expect-base.sql"
has base "^ok [0-9]* - final_schema \[$BK\]\$"
has base "^# 1 trials"
has base "^# idempotent migrations run again: 0006_settings\$"

# planted defects
run index 1 --dir "$HERE/dircheck/down-forgets-index"
caught index step_roundtrip reapply 0005_items_index
# SQLite takes a REFERENCES to a table not there yet; PostgreSQL needs 0001_accounts too
has index "^  migrations: \"\{0,1\}[23] of 6\"\{0,1\}\$"

if [ "$BK" = sqlite ]; then
    run narrow 1 --dir "$HERE/dircheck/narrowing-sqlite" --properties data_preserved
    caught narrow data_preserved value-lost "0007_items_code_integer: items.code"
else
    run narrow 1 --dir "$HERE/dircheck/narrowing-postgres" --properties data_preserved
    caught narrow data_preserved value-lost "0007_items_code_short: items.code"
fi
has narrow "^  rows: \"\{0,1\}[1-3]\"\{0,1\}\$"

run order 1 --dir "$HERE/dircheck/ordering" --properties ordering
caught order ordering order "0003_account_tier <-> 0004_audit_premium"
has order "^  shrunk_migrations: \"0001_accounts, 0002_audit, 0004_audit_premium, 0003_account_tier\"\$"

run default 1 --dir "$HERE/dircheck/base" --expect-schema "$HERE/dircheck/expect-default.sql" --properties final_schema
has default "^not ok [0-9]* - final_schema \[$BK\]"
has default '^    -   column "tier" integer not null default 1$'
has default '^    +   column "tier" integer not null default 0$'
case=$(sed -n 's/^  case: "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$T/default.out")
mp replay "$case" >/dev/null 2>&1
[ $? = 1 ] || fail "default: replay of $case does not fail"

# intentional drops: a note, or with --fail-on-drop a failure
run drop 0 --dir "$HERE/dircheck/drop-column" --properties data_preserved
has drop "^# intentional data loss: 0007_drop_code drops column \"items\".\"code\"\$"
run dropfail 1 --dir "$HERE/dircheck/drop-column" --properties data_preserved --fail-on-drop
caught dropfail data_preserved drop "0007_drop_code: items.code"

# the other report formats
run junit 1 --dir "$HERE/dircheck/down-forgets-index" --properties applies_fresh,step_roundtrip --format junit
xmllint --noout "$T/junit.out" || fail "junit: not well-formed XML"
grep -q '<testcase classname="migprop.'"$BK"'" name="step_roundtrip"[ >]' "$T/junit.out" || fail "junit: no step_roundtrip testcase"
grep -q '<failure' "$T/junit.out" || fail "junit: no failure element"
run human 1 --dir "$HERE/dircheck/down-forgets-index" --properties step_roundtrip --format human
has human "FAIL  step_roundtrip *$BK *reapply: 0005_items_index"

# --shard I/N: shards 1/2 and 2/2 run the unsharded run's trials between them
# (per property and backend: pass counts add up, a single-trial property is
# shard 1's and a skip in shard 2), and a planted failure is found, at the
# same trial, by the shard that holds that trial.
# trials FILE: "property trials" per passing point, "property skip" per skip
trials() {
    awk -v bk="$BK" '
        /^ok [0-9]+ - / { p = $4; if ($0 ~ /# SKIP/) print p, "skip"; next }
        /^# [0-9]+ trials, / && p != "" { print p, $2; p = ""; next }
        { p = "" }' "$1" | sort
}
SP=applies_fresh,step_roundtrip,ordering SIT=5
run shard0 0 --dir "$VW" --properties $SP --iterations $SIT
run shard1 0 --dir "$VW" --properties $SP --iterations $SIT --shard 1/2
run shard2 0 --dir "$VW" --properties $SP --iterations $SIT --shard 2/2
has shard1 "^# shard 1/2\$"
has shard2 "^# shard 2/2\$"
has shard2 "^ok [0-9]* - applies_fresh \[$BK\] # SKIP no trial in shard 2/2\$"
trials "$T/shard0.out" >"$T/shard0.n"
trials "$T/shard1.out" >"$T/shard1.n"
trials "$T/shard2.out" >"$T/shard2.n"
for p in step_roundtrip ordering; do
    n0=$(awk -v p=$p '$1 == p { print $2 }' "$T/shard0.n")
    n1=$(awk -v p=$p '$1 == p { print $2 }' "$T/shard1.n")
    n2=$(awk -v p=$p '$1 == p { print $2 }' "$T/shard2.n")
    [ -n "$n0" ] && [ "$n0" = "$SIT" ] && [ "$((n1 + n2))" = "$n0" ] && [ "$n1" = 3 ] ||
        fail "shard: $p ran $n1 + $n2 trials in shards 1/2 and 2/2, $n0 unsharded"
done
grep -q "^applies_fresh 1\$" "$T/shard1.n" || fail "shard: applies_fresh's trial is not shard 1's"
# seed 21: the planted ordering defect first shows in trial 3, shard 2/2's
run oshard0 1 --dir "$HERE/dircheck/ordering" --properties ordering --seed 21
at=$(sed -n 's/^  trial: \([0-9]*\)$/\1/p' "$T/oshard0.out")
if [ -z "$at" ] || [ "$at" = 0 ]; then
    fail "shard: the planted ordering failure is not found after trial 0 (trial '$at')"
else
    mine=$((at % 2 + 1)) other=$((2 - at % 2))
    run oshard$mine 1 --dir "$HERE/dircheck/ordering" --properties ordering --seed 21 --shard $mine/2
    caught oshard$mine ordering order "0003_account_tier <-> 0004_audit_premium"
    has oshard$mine "^  trial: $at\$"
    [ -d "$T/oshard$mine.failures/ordering-$BK-0000000000000015-t$at.case" ] || fail "shard: case of trial $at not written"
    # the other shard's trials up to $at all passed unsharded: its first failure, if any, is later
    mp check --backend "$BK" --seed 21 --iterations "$IT" --no-shrink --out "$T/oshard$other.failures" \
        --dir "$HERE/dircheck/ordering" --properties ordering --shard $other/2 >"$T/oshard$other.out" 2>&1
    o=$(sed -n 's/^  trial: \([0-9]*\)$/\1/p' "$T/oshard$other.out")
    [ -z "$o" ] || [ "$o" -gt "$at" ] || fail "shard $other/2 fails at trial $o before the unsharded run's $at"
fi

# usage
"$MP" check --expect-schema x.sql >/dev/null 2>&1
[ $? = 2 ] || fail "--expect-schema without --dir is not a usage error"
"$MP" check --dir "$HERE/dircheck/base" --properties ordering_valid >/dev/null 2>&1
[ $? = 2 ] || fail "--dir with a property of the random suite is not a usage error"

"$MP" check --dir "$HERE/dircheck/base" --trial 3 >/dev/null 2>&1
[ $? = 2 ] || fail "--dir with --trial is not a usage error"

if [ "$BK" = postgres ]; then
    # the portable history agrees on both backends
    mp check --backend all --seed 7 --iterations 1 --out "$T/agree.failures" --dir "$HERE/dircheck/base" --properties dialect_agreement \
        >"$T/agree.out" 2>&1 || fail "dialect_agreement on base"
    has agree "^ok 1 - dialect_agreement \[sqlite\]$"
    has agree "^ok 2 - dialect_agreement \[postgres\]$"
fi

[ "$fails" = 0 ] && echo "dircheck $BK: all passed"
[ "$fails" = 0 ]
