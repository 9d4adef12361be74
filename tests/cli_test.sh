#!/usr/bin/env bash
# cli_test.sh MIGPROP: the command line itself.  Every command has --help
# (exit 0, on stdout, a usage line naming it, the same text as README.md);
# --opt=value and --opt value both work and -- ends the options; every bad
# option or value exits 2 with migprop's message and creates nothing in the
# current directory.  Prints TAP; exits 1 when a check failed.
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
README=$HERE/../README.md
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/empty" "$W/run"
cd "$W/empty" || exit 2
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() {
  tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"
  sed 's/^/# /' "$W/out" "$W/err" 2>/dev/null | head -10
}

# usage_error TEXT ARGS...: migprop ARGS exits 2, says TEXT on stderr, prints
# nothing on stdout and leaves the current directory empty
usage_error() {
  local want=$1; shift
  "$M" "$@" >"$W/out" 2>"$W/err"
  local st=$?
  if [ $st -ne 2 ]; then bad "$* exits 2 (got $st)"
  elif ! grep -qF -- "$want" "$W/err"; then bad "$*: stderr says \"$want\""
  elif [ -s "$W/out" ]; then bad "$*: nothing on stdout"
  elif [ -n "$(ls -A)" ]; then bad "$*: creates nothing ($(ls -A | tr '\n' ' '))"; rm -rf ./* ./.[!.]*
  else ok "$* -> 2: $want"
  fi
}

commands="check failures replay selftest plan migrate lint generate validate schema runner-check differ-check bench cluster properties version help"

# --help and -h: exit 0, usage on stdout naming the command, nothing else
for c in $commands; do
  for h in --help -h; do
    "$M" $c $h >"$W/out" 2>"$W/err"
    st=$?
    if [ $st -eq 0 ] && grep -q "^usage: migprop $c\b" "$W/out" && [ ! -s "$W/err" ] && [ -z "$(ls -A)" ]; then
      ok "$c $h"
    else bad "$c $h (exit $st)"; fi
  done
  # the README carries each help text verbatim, as an indented block
  "$M" $c --help >"$W/help"
  missing=$(while IFS= read -r line; do
              [ -z "$line" ] && continue
              grep -qxF -- "    $line" "$README" || echo "$line"
            done <"$W/help")
  if [ -z "$missing" ]; then ok "$c --help is in README.md"; else echo "$missing" >"$W/err"; : >"$W/out"; bad "$c --help is in README.md"; fi
done
for h in --help -h help; do
  "$M" $h >"$W/out" 2>"$W/err" && grep -q "^usage: migprop <command>" "$W/out" && grep -q "^  runner-check " "$W/out" &&
    ok "migprop $h" || bad "migprop $h"
done
"$M" help check >"$W/out" 2>"$W/err" && grep -q "^usage: migprop check" "$W/out" && ok "help check" || bad "help check"
for v in --version version; do
  "$M" $v >"$W/out" 2>"$W/err" && grep -qE "^migprop [0-9]+\.[0-9]+\.[0-9]+$" "$W/out" && ok "migprop $v" || bad "migprop $v"
done
"$M" properties >"$W/out" 2>"$W/err" && grep -q "^ordering_valid " "$W/out" && ok "properties" || bad "properties"
# no arguments: the usage on stderr, exit 2
"$M" >"$W/out" 2>"$W/err"; st=$?
[ $st -eq 2 ] && grep -q "^usage: migprop" "$W/err" && ok "no command: usage, exit 2" || bad "no command (exit $st)"
# cluster --help is cluster's help, not a program called --help: no cluster starts
MIGPROP_NO_CACHE=1 PATH=/nonexistent "$M" cluster --help >"$W/out" 2>"$W/err"; st=$?
[ $st -eq 0 ] && grep -q "^usage: migprop cluster" "$W/out" && [ ! -s "$W/err" ] && ok "cluster --help starts no cluster" ||
  bad "cluster --help (exit $st)"

# --opt=value and --opt value, 0x-hex, and -- ending the options
cd "$W/run" || exit 2
for args in "--backend=sqlite --iterations=3 --seed=0x5" "--backend sqlite --iterations 3 --seed 5" \
            "--backend sqlite --iterations=3 --seed 5 --properties=ordering_valid,idempotent --" \
            "--backend=sqlite --iter=2 --seed=1 --no-shrink --jobs=2 --shard=1/2 --shrink-time=0.5"; do
  "$M" check $args >"$W/out" 2>"$W/err"; st=$?
  [ $st -eq 0 ] && grep -q "^1\.\." "$W/out" && ! grep -q "^not ok" "$W/out" && ok "check $args" || bad "check $args (exit $st)"
done
grep -q "^1\.\.2$" <("$M" check --backend sqlite --iterations 1 --seed 1 --properties=ordering_valid,idempotent 2>/dev/null) &&
  ok "--properties=a,b selects two" || bad "--properties=a,b selects two"
mkdir m && "$M" migrate --dir=m --db=sqlite:db.sqlite --quiet --lock-timeout=0.5 new first >"$W/out" 2>"$W/err" &&
  "$M" migrate up --dir m --db sqlite:db.sqlite >"$W/out" 2>"$W/err" && grep -q "1 migration applied" "$W/err" &&
  ok "migrate: options before and after the command" || bad "migrate: options before and after the command"
"$M" migrate --dir m --db sqlite:db.sqlite -- status >"$W/out" 2>"$W/err" && ok "migrate -- status" || bad "migrate -- status"
"$M" schema --db=sqlite:db.sqlite --ignore=t1,t2 --names >"$W/out" 2>"$W/err" && ok "schema --db=URL --ignore=a,b" ||
  bad "schema --db=URL --ignore=a,b"
"$M" selftest --seed=0x1 --iterations=2 --backend=sqlite >"$W/out" 2>"$W/err"
[ $? -le 1 ] && grep -q "^1\.\." "$W/out" && ok "selftest --opt=value" || bad "selftest --opt=value"
cd "$W/empty" || exit 2

# bad options and values: exit 2, one message, nothing created
usage_error "unknown option '--bogus'" check --bogus
usage_error "unknown option '--bogus'" check --bogus=1
usage_error "unknown option '-x'" check -x
usage_error "option '--seed' needs a value" check --seed
usage_error "option '--no-shrink' takes no value" check --no-shrink=yes
usage_error "ambiguous option '--s'" check --s 1
usage_error "unexpected argument 'extra'" check extra
usage_error "unexpected argument '--seed'" check -- --seed 1
usage_error "--seed: 'abc' is not a number" check --seed abc
usage_error "--seed: 'abc' is not a number" check --seed=abc
usage_error "--seed: '010' is not a number" check --seed 010
usage_error "--seed: '-1' is not a number" check --seed -1
usage_error "--seed: '0x' is not a number" check --seed 0x
usage_error "--seed: '18446744073709551616' is too large" check --seed 18446744073709551616
usage_error "--iterations: '18446744073709551615' is too large (at most 1000000000)" check --iterations 18446744073709551615
usage_error "--iterations: '1000000001' is too large" check --iterations 1000000001
usage_error "--iterations: '' is not a number" check --iterations=
usage_error "--trial: '9223372036854775808' is too large" check --trial 9223372036854775808
usage_error "--jobs: '0' is too small (at least 1)" check --jobs 0
usage_error "--jobs: '65' is too large (at most 64)" check --jobs 65
usage_error "--shard: '0/3' is not I/N" check --shard 0/3
usage_error "--shard: '4/3' is not I/N" check --shard 4/3
usage_error "--shard: '1/' is not I/N" check --shard 1/
usage_error "--shard: '01/3' is not I/N" check --shard 01/3
usage_error "--shrink-time: 'nan' is not a decimal number" check --shrink-time nan
usage_error "--shrink-time: 'inf' is not a decimal number" check --shrink-time inf
usage_error "--shrink-time: 1e300 is out of range" check --shrink-time 1e300
usage_error "--shrink-time: -1 is out of range" check --shrink-time -1
usage_error "--shrink-steps: '1e3' is not a number" check --shrink-steps 1e3
usage_error "--backend: unknown value 'mysql' (sqlite, postgres, all)" check --backend mysql
usage_error "--solver: unknown value 'smart'" check --solver smart
usage_error "--format: unknown value 'xml'" check --format xml
usage_error "--properties: empty list" check --properties ,
usage_error "--properties: empty list" check --properties=
usage_error "--properties: empty name in 'ordering_valid,'" check --properties ordering_valid,
usage_error "--properties: 'idempotent' is listed twice" check --properties idempotent,idempotent
usage_error "--properties: unknown property 'nope' (known: ordering_valid," check --properties nope
usage_error "unknown property 'nope'" check --properties ordering_valid,nope --backend sqlite
usage_error "--scenarios no-such-dir:" check --scenarios no-such-dir
usage_error "--lock-timeout: 'nan' is not a decimal number" migrate --lock-timeout nan up
usage_error "--lock-timeout: 'inf' is not a decimal number" migrate --lock-timeout inf up
usage_error "--lock-timeout: 1e300 is out of range (0.001 to 86400)" migrate --lock-timeout 1e300 up
usage_error "--lock-timeout: 0 is out of range" migrate --lock-timeout 0 up
usage_error "--lock-timeout: 86401 is out of range" migrate --lock-timeout=86401 up
usage_error "unknown option '--bogus'" migrate --bogus up
usage_error "option '--dir' needs a value" migrate up --dir
usage_error "--format: unknown value 'liquibase'" migrate --format liquibase up
usage_error "down: 'abc' is not a number" migrate --db sqlite:x.sqlite down abc
usage_error "unknown command or wrong arguments: 'sideways'" migrate --db sqlite:x.sqlite sideways
usage_error "no command given" migrate --db sqlite:x.sqlite
usage_error "--seed: 'abc' is not a number" selftest --seed abc
usage_error "--iterations: '0' is too small" selftest --iterations 0
usage_error "--backend: unknown value 'both'" selftest --backend both
usage_error "unexpected argument 'now'" selftest now
usage_error "--properties: unknown property 'nope'" replay --properties nope x.case
usage_error "--backend: unknown value 'oracle'" replay --backend oracle x.case
usage_error "unknown option '--bogus'" replay --bogus x.case
usage_error "one case file at a time" replay a.case b.case
usage_error "which case file?" replay
usage_error "--iterations: 'abc' is not a number" runner-check --runner migprop --iterations abc
usage_error "--seed: '010' is not a number" runner-check --runner migprop --seed 010
usage_error "--sequences: '-3' is not a number" runner-check --runner migprop --sequences -3
usage_error "--backend: unknown value 'x'" runner-check --runner migprop --backend x
usage_error "give --runner" runner-check
usage_error "unknown option '--bogus'" runner-check --bogus
usage_error "--iterations: 'abc' is not a number" differ-check --differ migprop --iterations abc
usage_error "--format: unknown value 'xml'" differ-check --differ migprop --format xml
usage_error "--backend: unknown value 'x'" differ-check --differ migprop --backend x
usage_error "give --differ" differ-check
usage_error "--shrink-seconds: '0' is too small" differ-check --differ migprop --shrink-seconds 0
usage_error "unknown option '--bogus'" differ-check --bogus
usage_error "--repeat: '0' is too small" bench --repeat 0
usage_error "--repeat: '1001' is too large" bench --repeat 1001
usage_error "--max-ops: 'lots' is not a number" bench --max-ops lots
usage_error "--seed: 'abc' is not a number" bench --seed abc
usage_error "--suite: unknown value 'nope'" bench --suite nope
usage_error "--format: unknown value 'xml'" bench --format xml
usage_error "--dialect: unknown value 'mysql'" plan --from a.sql --to b.sql --dialect mysql
usage_error "--format: unknown value 'png'" plan --from a.sql --to b.sql --dialect sqlite --format png
usage_error "give --from, --to" plan --from a.sql --dialect sqlite
usage_error "unknown option '--bogus'" plan --bogus
usage_error "--dialect: unknown value 'mysql'" lint --dialect mysql dir
usage_error "--format: unknown value 'sarif'" lint --format sarif dir
usage_error "which directory?" lint
usage_error "unexpected argument 'b'" lint a b
usage_error "unknown option '--bogus'" lint --bogus dir
usage_error "give --dir, --to and --dialect" generate --dir d --to t.sql
usage_error "--dialect: unknown value 'mysql'" generate --dir d --to t.sql --dialect mysql
usage_error "--name: 'a/b' is not a migration name" generate --dir d --to t.sql --dialect sqlite --name a/b
usage_error "unknown option '--bogus'" generate --bogus
usage_error "unknown option '--bogus'" schema --bogus
usage_error "--ignore: empty list" schema --db sqlite:x.sqlite --ignore ,
usage_error "unexpected argument 'x'" schema x
usage_error "unknown option '--bogus'" cluster --bogus
usage_error "which command?" cluster
usage_error "unexpected argument 'x'" properties x
usage_error "unknown option '--bogus'" version --bogus
usage_error "unknown command 'nope'" help nope
usage_error "unknown command 'nope'" nope

echo "1..$tests"
[ $fails -eq 0 ]
