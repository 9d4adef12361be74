#!/usr/bin/env bash
# expect_exit.sh STATUS CMD...: run CMD and pass only if it exits with STATUS
# exactly (a crash or a usage error must not count as "the property failed").
set -u
want=$1; shift
"$@" >/dev/null
got=$?
if [ "$got" -ne "$want" ]; then
  echo "expect_exit: '$*' exited $got, expected $want" >&2
  exit 1
fi
