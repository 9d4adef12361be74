#!/usr/bin/env bash
# runner_deps_test.sh: the runner library depends on base/ only.  Every
# quoted include in runner/ names a header of runner/, base/ or
# include/migprop/, and every system header it includes is libc's, POSIX's,
# sqlite3.h, libpq-fe.h or OpenSSL's: libmigprop-runner links sqlite3, libpq
# and libcrypto and nothing of migprop's upper layers (no solver, no db).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
while IFS=: read -r f line inc; do
  name=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/' <<<"$inc")
  if [ ! -e "runner/$name" ] && [ ! -e "base/$name" ] && [ ! -e "include/$name" ]; then
    echo "runner_deps: $f:$line includes \"$name\", which is not a runner/, base/ or include/ header" >&2
    status=1
  fi
done < <(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' runner/*.c runner/*.h include/migprop/*.h base/*.c base/*.h)
while IFS=: read -r f line inc; do
  name=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*<([^>]+)>.*/\1/' <<<"$inc")
  case $name in
    sqlite3.h | libpq-fe.h | openssl/*) ;;
    assert.h | ctype.h | dirent.h | errno.h | fcntl.h | ftw.h | math.h | signal.h | stdarg.h | stdbool.h | stddef.h | \
    stdint.h | stdio.h | stdlib.h | string.h | strings.h | time.h | unistd.h | sys/*) ;;
    *) echo "runner_deps: $f:$line includes <$name>" >&2; status=1 ;;
  esac
done < <(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' runner/*.c runner/*.h include/migprop/*.h base/*.c base/*.h)
[ $status -eq 0 ] && echo "runner_deps: runner/ and include/migprop/ include base/ and the three libraries only"
exit $status
