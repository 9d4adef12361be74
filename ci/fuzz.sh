#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz (clang, -DMIGPROP_FUZZ=ON, ASan +
# UBSan + LeakSanitizer) into build-fuzz/ and run each for
# ${MIGPROP_FUZZ_SECONDS:-60} seconds from its seed corpus
# (tests/fuzz/corpus/<target>/; new inputs go to a scratch copy, the
# committed corpus is never changed).  Fails on any crash, leak, timeout or
# sanitizer report; the input that did it is kept in build-fuzz/findings/.
# Prints the executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${MIGPROP_FUZZ_SECONDS:-60}
targets="fuzz_sqlscan fuzz_migdir fuzz_casefile fuzz_adapter fuzz_ddl"
cmake -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DMIGPROP_FUZZ=ON -DMIGPROP_TESTS=OFF \
  -DMIGPROP_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target $targets >/dev/null
scratch=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/migprop-fuzz-run.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p build-fuzz/findings
status=0
for t in $targets; do
  mkdir -p "$scratch/$t"
  cp tests/fuzz/corpus/$t/* "$scratch/$t/"
  log=build-fuzz/findings/$t.log
  # the targets write their files under MIGPROP_TMPDIR / the scratch dir;
  # run from the scratch directory so nothing lands in the tree
  if (cd "$scratch" && MIGPROP_TMPDIR="$scratch" ASAN_OPTIONS=detect_leaks=1 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$OLDPWD/build-fuzz/tests/fuzz/$t" -max_total_time="$secs" -max_len=65536 -timeout=25 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$OLDPWD/build-fuzz/findings/$t-" "$scratch/$t") >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "ci/fuzz.sh: $t: ${execs:-?} executions in ${secs} s, no crash"
  else
    echo "ci/fuzz.sh: $t FAILED (see $log):" >&2
    grep -E "ERROR|SUMMARY|invariant|Test unit written" "$log" | head -10 >&2
    status=1
  fi
done
exit $status
