#!/usr/bin/env bash
# consumers_test.sh MIGPROP: the reports are read by the tools CI servers
# use: prove (TAP::Harness) and tappy give a passing run PASS and a failing
# one FAIL, PyYAML reads every YAML block back with the seeds as the exact
# strings written, and xmllint finds the JUnit reports valid against the
# Jenkins xUnit schema (tests/xsd/junit-10.xsd).  A tool that is missing
# makes its checks a SKIP (ci/setup.sh installs them all).
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 2
export MIGPROP_FAILURE_DB= # no failure database: each run reports its own seed
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); echo "not ok $n - $1"; fails=1; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { if eval "$2"; then ok "$1"; else no "$1"; fi; }

# a passing run and a failing one (the naive solver is caught), each also
# writing its JUnit report to a file in the same run; the failure directory
# has a quote in its name.  Which points the naive solver fails depends on
# the generated cases, so the consumers' verdicts are held to the "not ok"
# lines of the report itself: prove, tappy and PyYAML must see exactly those.
# The naive solver leaves many plans unfinished (discarded trials): the
# discard health check, whose failures carry no case, is off for its runs.
"$M" check --backend sqlite --iterations 40 --seed 5 --junit pass.xml >pass.tap 2>/dev/null
check "a passing run exits 0" '[ $? = 0 ]'
out="it's out"
"$M" check --backend sqlite --solver naive --iterations 60 --seed 13 --max-discard 100 --out "$out" --junit fail.xml >fail.tap 2>/dev/null
check "a failing run exits 1" '[ $? = 1 ]'
failed=$(sed -n 's/^not ok \([0-9]*\) .*/\1/p' fail.tap | tr '\n' ' ' | sed 's/ $//')
nfailed=$(grep -c '^not ok' fail.tap)
nskipped=$(grep -c '^ok .* # SKIP' fail.tap)
check "the failing run has failing points" '[ "$nfailed" -ge 1 ]'
check "the plan is the line after the version line" '[ "$(sed -n 1,2p pass.tap)" = "TAP version 13
1..8" ] && [ "$(sed -n 2p fail.tap)" = 1..8 ]'
check "no test name carries a count" '! grep -E "^(not )?ok [0-9]+ - .*#" pass.tap fail.tap | grep -v "# SKIP"'

if command -v prove >/dev/null; then
  prove -e cat pass.tap >prove.pass 2>&1
  check "prove: the passing run is PASS" '[ $? = 0 ] && grep -qx "Result: PASS" prove.pass'
  prove -e cat fail.tap >prove.fail 2>&1
  check "prove: the failing run is FAIL, with no parse error" '[ $? != 0 ] && grep -qx "Result: FAIL" prove.fail &&
    ! grep -q "Parse errors" prove.fail && grep -qE "Failed tests:  ${failed// /, }$" prove.fail'
else
  skip "prove: the passing run is PASS" "no prove"; skip "prove: the failing run is FAIL" "no prove"
fi

if command -v tappy >/dev/null; then
  tappy pass.tap >tappy.pass 2>&1
  check "tappy: the passing run is OK" '[ $? = 0 ] && grep -qx "OK (skipped=1)" tappy.pass'
  tappy fail.tap >tappy.fail 2>&1
  check "tappy: the failing run is FAILED (failures=$nfailed, skipped=$nskipped)" \
    '[ $? != 0 ] && grep -qx "FAILED (failures=$nfailed, skipped=$nskipped)" tappy.fail'
else
  skip "tappy: the passing run is OK" "no tappy"; skip "tappy: the failing run is FAILED" "no tappy"
fi

# TAP 14 on request, and every YAML block read back by a full YAML reader
"$M" check --backend sqlite --solver naive --iterations 60 --seed 13 --max-discard 100 --out "$out" --tap-version 14 --no-replay-saved >fail14.tap 2>/dev/null
check "--tap-version 14 writes 'TAP version 14'" '[ "$(head -1 fail14.tap)" = "TAP version 14" ]'
if python3 -c 'import yaml' 2>/dev/null; then
  python3 "$here/tools/tap_yaml.py" fail14.tap >yaml.all
  check "PyYAML reads every YAML block" '[ $? = 0 ]'
  # the failures' blocks (the others give discard counts)
  awk -F '\t' '$2 != "NoneType:None"' yaml.all >yaml.out
  check "the failing points, and only they, have a seed" '[ "$(cut -f1 yaml.out | tr "\n" " ")" = "$failed " ]'
  # the seeds are the exact strings of the case files written
  bad=0
  while IFS=$'\t' read -r point seed tseed case; do
    f=${case#str:}
    [ -f "$f" ] || { echo "# point $point: case $case is not a file"; bad=1; continue; }
    [ "$seed" = "str:0x000000000000000d" ] || { echo "# point $point: seed $seed"; bad=1; }
    [ "$tseed" = "str:$(sed -n 's/^trial_seed: //p' "$f")" ] || { echo "# point $point: trial_seed $tseed"; bad=1; }
  done <yaml.out
  check "seeds read back as the strings written, case paths (with a quote) exactly" '[ $bad = 0 ]'
  # the replay command of the YAML block runs as a shell command
  rcmd=$(python3 - fail14.tap <<'PY'
import sys, yaml
t = open(sys.argv[1]).read().split("\n")
i = t.index("  ---"); j = t.index("  ...")
print(yaml.safe_load("\n".join(x[2:] for x in t[i + 1:j]))["replay"])
PY
)
  check "the replay command (a path with a quote) runs as given" \
    '(M_BIN=$M; eval "\"\$M_BIN\" ${rcmd#migprop }") >/dev/null 2>&1; [ $? = 1 ]'
else
  skip "PyYAML reads every YAML block" "no python3-yaml"
fi

if command -v xmllint >/dev/null; then
  for f in pass fail; do
    xmllint --noout --schema "$here/xsd/junit-10.xsd" $f.xml 2>xmllint.$f
    check "xmllint: the $f run's JUnit is valid against junit-10.xsd" '[ $? = 0 ]'
  done
  check "JUnit: one testcase per property and backend, with a time" \
    '[ "$(grep -c "<testcase .* time=\"[0-9.]*\"" pass.xml)" = 8 ]'
  check "JUnit: the failure text carries the replay command" 'grep -q "replay: migprop replay" fail.xml'
else
  skip "xmllint: JUnit valid" "no xmllint"
fi
# --stats: comments prove still takes, with the figures of the run
"$M" check --backend sqlite --iterations 20 --seed 5 --stats --no-replay-saved >stats.tap 2>/dev/null
check "--stats: trials, discards by reason, operation kinds, DDL features" \
  'grep -q "^# stats: trials 20 (0 fixed cases, 20 random)$" stats.tap &&
   grep -q "^# stats: discards dialect_agreement \[sqlite\]: 20 of 20: 20 x cannot apply: " stats.tap &&
   grep -q "^# stats: operation kinds: .*rename table [0-9]" stats.tap &&
   grep -q "^# stats: start schemas: [0-9]* tables" stats.tap &&
   grep -q "^# stats: phases ordering_valid \[sqlite\]: generate [0-9.]* s, plan [0-9.]* s, execute [0-9.]* s" stats.tap &&
   grep -q "^# stats: phases \[sqlite\] over 20 trials: generate [0-9]* %" stats.tap &&
   { ! command -v prove >/dev/null || prove -e cat stats.tap >/dev/null 2>&1; }'

# the human report: a failure names its case file and replay command;
# colours only when asked (never on a pipe by default, nor with NO_COLOR)
"$M" check --backend sqlite --solver naive --iterations 30 --seed 3 --properties ordering_valid \
  --format human --out human >human.out 2>/dev/null
check "human: the failure shows its case file and the replay command" \
  'grep -q "^case: human/ordering_valid-sqlite-.*\.case$" human.out && grep -q "^replay: migprop replay human/" human.out'
check "human: no colour on a pipe" '! grep -q $(printf "\033") human.out'
"$M" check --backend sqlite --iterations 3 --seed 3 --format human --color always >color.out 2>/dev/null
check "human: --color always colours the verdicts" 'grep -q "$(printf "\033")\[32mPASS" color.out'
NO_COLOR=1 "$M" check --backend sqlite --iterations 3 --seed 3 --format human --color auto >nocolor.out 2>/dev/null
check "human: NO_COLOR turns colour off" '! grep -q $(printf "\033") nocolor.out'
echo "1..$n"
exit $fails
