#!/usr/bin/env bash
# Install what migprop needs from Debian packages (only what is missing) and
# build it into build/.  Safe to run again: a no-op when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs="gcc cmake make pkg-config libpq-dev libsqlite3-dev sqlite3 postgresql libcmocka-dev libssl-dev libjansson-dev libpg-query-dev jq libxml2-utils
  libyaml-dev python3-yaml tappy perl"
# tcmalloc for build/migprop (the top-level CMakeLists.txt, MIGPROP_TCMALLOC)
pkgs="$pkgs libgoogle-perftools-dev"
# the fuzz stage of ci/test.sh (ci/fuzz.sh): clang and its libFuzzer runtime
pkgs="$pkgs clang libclang-rt-14-dev"
missing=""
for p in $pkgs; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "ci/setup.sh: installing:$missing"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing >/dev/null
fi
cmake -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMIGPROP_WERROR=ON -DMIGPROP_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
