#!/usr/bin/env bash
# install_test.sh BUILD_DIR: `cmake --install` into a scratch prefix, check
# the installed files, then build examples/embedded.c against the installed
# tree through pkg-config, once with the shared library and once with the
# static one, run it and check its hook output.  The prefix is removed at
# the end.
set -euo pipefail
build=$(cd "${1:?usage: install_test.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$P" >/dev/null
for f in bin/migprop lib/libmigprop-runner.a lib/libmigprop-runner.so include/migprop/runner.h \
         lib/pkgconfig/migprop-runner.pc share/man/man1/migprop.1 share/doc/migprop/README.md \
         share/doc/migprop/LICENSE; do
  [ -e "$P/$f" ] || fail "$f was not installed"
done
"$P/bin/migprop" version >/dev/null || fail "the installed migprop does not run"
soname=$(readelf -d "$P/lib/libmigprop-runner.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libmigprop-runner.so.0 ] || fail "SONAME is '$soname'"
# only the public API is exported
extra=$(nm -D --defined-only "$P/lib/libmigprop-runner.so" | awk '{print $3}' | grep -v '^mp_runner_' || true)
[ -z "$extra" ] || fail "symbols outside the API are exported: $extra"

# the man page lists every command of `migprop --help`, and renders cleanly
man1=$P/share/man/man1/migprop.1
for c in $("$P/bin/migprop" --help | sed -n '/^commands:/,/^$/p' | awk '/^  [a-z]/ {print $1}'); do
  grep -Eq "^\.BI? \"?${c//-/\\\\-}( |\"|\$)" "$man1" || fail "migprop.1 has no entry for the command $c"
done
if command -v groff >/dev/null; then
  warn=$(groff -man -Tutf8 -ww -z "$man1" 2>&1) || fail "groff failed on migprop.1"
  [ -z "$warn" ] || fail "groff warns about migprop.1: $warn"
fi

export PKG_CONFIG_PATH=$P/lib/pkgconfig
cc=${CC:-cc}
check_run() { # BINARY LABEL: run the example, check its output and status
  local out
  out=$("$1" "$P/app-$2.db") || fail "$2: the example exited $?"
  for want in '^-> 1 create_users \.\.\. ok \([0-9.]+ ms\)$' '^-> 2 create_posts \.\.\. ok \([0-9.]+ ms\)$' \
              '^-> 3 index_posts_user \.\.\. ok \([0-9.]+ ms\)$' '^ +3 index_posts_user +applied$' \
              '^<- 3 index_posts_user \.\.\. ok \([0-9.]+ ms\)$'; do
    grep -Eq "$want" <<<"$out" || fail "$2: no line matching $want in:"$'\n'"$out"
  done
}
# shared, found at run time through the rpath
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror -o "$P/embedded-shared" "$src/examples/embedded.c" \
  $(pkg-config --cflags --libs migprop-runner) -Wl,-rpath,"$P/lib"
check_run "$P/embedded-shared" shared
# static: libmigprop-runner.a and its private dependencies (pkg-config --static)
libs=$(pkg-config --static --libs migprop-runner | sed 's/-lmigprop-runner/-l:libmigprop-runner.a/')
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Werror -o "$P/embedded-static" "$src/examples/embedded.c" \
  $(pkg-config --cflags migprop-runner) $libs
if ldd "$P/embedded-static" | grep -q libmigprop-runner; then fail "the static build uses the shared library"; fi
check_run "$P/embedded-static" static
echo "install_test: installed tree complete, example built and run (shared and static)"
