#!/usr/bin/env bash
# Install the peer runners (sql-migrate from Debian; dbmate, postgrator-cli
# and node-pg-migrate from npm, dbmate shipping its Linux binary) and the
# schema-diff tool migra (npm @pgkit/migra, binary `migra`, which ctest's
# differ_check runs), and property-test the runners with `migprop
# runner-check` on the backends each supports, with modest iterations,
# printing each run's time.  Findings are expected (they are the point);
# each run must complete with a report.  RUNNERS="dbmate postgrator" picks
# some; --install-only installs and stops (ci/test.sh, before ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if ! command -v sql-migrate >/dev/null; then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq sql-migrate >/dev/null
fi
command -v npm >/dev/null || { $sudo_cmd apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq npm >/dev/null; }
# postgrator-cli loads the pg driver from the global modules
for p in dbmate:dbmate postgrator:postgrator-cli node-pg-migrate:node-pg-migrate migra:@pgkit/migra; do
  command -v "${p%%:*}" >/dev/null || $sudo_cmd npm install -g --silent "${p#*:}" pg >/dev/null
done
[ "${1:-}" = --install-only ] && exit 0
out=$(mktemp -d)
for r in ${RUNNERS:-dbmate sql-migrate postgrator node-pg-migrate}; do
  set +e
  start=$(date +%s)
  build/migprop runner-check --runner "$r" --iterations 5 --sequences 3 --rounds 5 --out "$out/$r" | tee "$out/$r.tap"
  st=${PIPESTATUS[0]}
  set -e
  echo "# $r: runner-check took $(( $(date +%s) - start )) s"
  if [ "$st" -gt 1 ] || ! grep -q "^# findings for $r:" "$out/$r.tap"; then
    echo "ci/runners.sh: runner-check of $r did not complete (exit $st)" >&2
    exit 1
  fi
done
rm -rf "$out"
