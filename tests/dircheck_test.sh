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

# usage
"$MP" check --expect-schema x.sql >/dev/null 2>&1
[ $? = 2 ] || fail "--expect-schema without --dir is not a usage error"
"$MP" check --dir "$HERE/dircheck/base" --properties ordering_valid >/dev/null 2>&1
[ $? = 2 ] || fail "--dir with a property of the random suite is not a usage error"

"$MP" check --dir "$HERE/dircheck/base" --jobs 2 >/dev/null 2>&1
[ $? = 2 ] || fail "--dir with --jobs is not a usage error"

if [ "$BK" = postgres ]; then
    # the portable history agrees on both backends
    mp check --backend all --seed 7 --iterations 1 --out "$T/agree.failures" --dir "$HERE/dircheck/base" --properties dialect_agreement \
        >"$T/agree.out" 2>&1 || fail "dialect_agreement on base"
    has agree "^ok 1 - dialect_agreement \[sqlite\]$"
    has agree "^ok 2 - dialect_agreement \[postgres\]$"
fi

[ "$fails" = 0 ] && echo "dircheck $BK: all passed"
[ "$fails" = 0 ]
