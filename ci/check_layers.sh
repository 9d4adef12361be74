#!/usr/bin/env bash
# check_layers.sh: fail when a file includes a header of a folder above its
# own.  The layers, lowest first (each may include itself and those before):
#   base solver generators db runner engine properties runnercheck cli
# include/migprop/ (the public API) sits with runner/; tests/ and examples/
# are above everything.  Headers are included by bare name, so every
# header's name must be unique across the tree; a duplicate is an error too.
set -euo pipefail
cd "$(dirname "$0")/.."
layers=(base solver generators db runner engine properties runnercheck cli)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
declare -A home
status=0
while IFS= read -r h; do
  name=${h##*/}
  dir=${h%%/*}
  [ "$dir" = include ] && { name=${h#include/}; dir=runner; }
  if [ -n "${home[$name]:-}" ]; then
    echo "check_layers: header name $name is used twice (${home[$name]} and $dir)" >&2
    status=1
  fi
  home[$name]=$dir
done < <(git ls-files -co --exclude-standard '*.h' | grep -E "^($(IFS='|'; echo "${layers[*]}")|include)/")
while IFS= read -r f; do
  dir=${f%%/*}
  mine=${rank[$dir]}
  while IFS=: read -r line inc; do
    inc=${inc#*\"}; inc=${inc%\"*}
    owner=${home[$inc]:-}
    [ -n "$owner" ] || continue
    if [ "${rank[$owner]}" -gt "$mine" ]; then
      echo "check_layers: $f:$line includes \"$inc\" from $owner/, a layer above $dir/" >&2
      status=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
done < <(git ls-files -co --exclude-standard '*.c' '*.h' | grep -E "^($(IFS='|'; echo "${layers[*]}"))/")
[ $status -eq 0 ] && echo "check_layers: every include points down or sideways"
exit $status
