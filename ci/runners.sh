#!/usr/bin/env bash
# Install the peer runners (sql-migrate from Debian, dbmate from npm, which
# ships its Linux binary) and property-test them with `migprop
# runner-check` on both backends.  Findings are expected (they are the
# point); the run must complete with a report.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if ! command -v sql-migrate >/dev/null; then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq sql-migrate >/dev/null
fi
if ! command -v dbmate >/dev/null; then
  command -v npm >/dev/null || { $sudo_cmd apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq npm >/dev/null; }
  $sudo_cmd npm install -g --silent dbmate >/dev/null
fi
out=$(mktemp -d)
for r in dbmate sql-migrate; do
  set +e
  build/migprop runner-check --runner "$r" --iterations 20 --out "$out/$r" | tee "$out/$r.tap"
  st=${PIPESTATUS[0]}
  set -e
  if [ "$st" -gt 1 ] || ! grep -q "^# findings for $r:" "$out/$r.tap"; then
    echo "ci/runners.sh: runner-check of $r did not complete (exit $st)" >&2
    exit 1
  fi
done
rm -rf "$out"
