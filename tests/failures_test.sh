#!/usr/bin/env bash
# failures_test.sh MIGPROP: the failure database.  Every shrunk failure is
# saved once under .migprop/failures/ as <sha256>.case (the hash of the case
# without its metadata but for property and backend), replayed first by the
# next check, deleted after passing 3 runs in a row unless --keep-fixed;
# `migprop failures` lists, shows and removes; and `check --case` runs a case
# file as `replay` does, whatever its name.
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 2
unset MIGPROP_FAILURE_DB # the default place, .migprop/failures under $W
n=0 fails=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=1; fi; }
db=.migprop/failures
naive() { "$M" check --backend sqlite --solver naive --iterations 30 --seed 3 --properties ordering_valid "$@" >/dev/null 2>&1; }

naive
check "a naive run saves its shrunk failure" '[ "$(ls $db/*.case 2>/dev/null | wc -l)" = 1 ]'
f=$(ls $db/*.case | head -1)
h=$(basename "$f" .case)
body=$(awk '/^\[/ { meta = ($0 == "[meta]") } !meta || /^(property|backend):/' "$f" | sha256sum | cut -d" " -f1)
check "the name is the SHA-256 of the case without its run metadata" '[ "$h" = "$body" ]'
naive --no-replay-saved
check "the same failure found again is not saved twice" '[ "$(ls $db/*.case | wc -l)" = 1 ]'
check "the next run replays it first and still fails" '"$M" check --backend sqlite --solver naive --iterations 0 \
  --properties ordering_valid >out 2>err; [ $? = 1 ] && grep -q "saved failure $f: still fails" err &&
  grep -q "from_case: .$f." out'
check "migprop failures list shows it" '"$M" failures list | grep -q "^$h  ordering_valid *sqlite *passed 0 runs"'
check "migprop failures show prints it by a prefix of its hash" '"$M" failures show "${h:0:8}" | cmp -s - "$f"'

# check --case: the same seed and rows as replay, under any file name
cp "$f" renamed-one.case; cp "$f" "another name.case"
"$M" replay "$f" >/dev/null 2>&1; r0=$?
"$M" check --backend sqlite --solver naive --iterations 0 --no-replay-saved --properties ordering_valid \
  --case renamed-one.case --no-shrink >/dev/null 2>&1; r1=$?
"$M" check --backend sqlite --solver naive --iterations 0 --no-replay-saved --properties ordering_valid \
  --case "another name.case" --no-shrink >/dev/null 2>&1; r2=$?
check "replay and check --case under two names agree (all fail: $r0 $r1 $r2)" '[ $r0 = 1 ] && [ $r1 = 1 ] && [ $r2 = 1 ]'

# fixed: the default solver passes it; kept with --keep-fixed, deleted after 3 passing runs
good() { "$M" check --backend sqlite --iterations 0 --properties ordering_valid "$@" >/dev/null 2>err; }
good --keep-fixed; good --keep-fixed; good --keep-fixed; good --keep-fixed
check "--keep-fixed keeps a case that passed 4 runs" '[ -f "$f" ] && "$M" failures list | grep -q "passed 4 runs"'
"$M" failures rm "${h:0:10}"
check "migprop failures rm removes it" '[ ! -e "$f" ] && [ -z "$("$M" failures list)" ]'
naive
f=$(ls $db/*.case | head -1)
good; good
check "two passing runs keep it" '[ -f "$f" ] && "$M" failures list | grep -q "passed 2 runs"'
good
check "the third passing run deletes it" '[ ! -e "$f" ] && grep -q "removed (fixed)" err'
check "--failure-db DIR puts the database elsewhere" 'naive --failure-db elsewhere; [ "$(ls elsewhere/*.case | wc -l)" = 1 ]'
check "MIGPROP_FAILURE_DB= (empty) turns it off" 'rm -rf $db; MIGPROP_FAILURE_DB= naive; [ ! -e $db ]'
check "MIGPROP_FAILURE_DB=DIR moves it" 'MIGPROP_FAILURE_DB=envdb naive; [ "$(ls envdb/*.case | wc -l)" = 1 ] &&
  [ "$(MIGPROP_FAILURE_DB=envdb "$M" failures list | wc -l)" = 1 ]'
check "failures rm of an unknown hash exits 1" '"$M" failures rm ffff 2>/dev/null; [ $? = 1 ]'
echo "1..$n"
exit $fails
