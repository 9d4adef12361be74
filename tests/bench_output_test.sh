#!/usr/bin/env bash
# bench_output_test.sh MIGPROP: bench's outputs are well formed (no timing
# assertions): the CSV parses as RFC 4180 with one header row and records of
# the same width, the JSON parses, and bench.svg is XML with axes, tick
# labels, units and a legend, with a panel only for the suites run.
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
n=0 fails=0
check() { n=$((n + 1)); if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fails=1; fi; }
"$M" bench --suite solver --repeat 1 --max-ops 40 --format csv >"$W/b.csv"
check "csv: python's csv reader (strict) takes it, a header and records of 8 fields" 'python3 - "$W/b.csv" <<"PY"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline=""), strict=True))
assert rows[0] == ["suite", "name", "size", "median_s", "min_s", "max_s", "per_s", "unit"], rows[0]
assert len(rows) > 2 and all(len(r) == 8 for r in rows), rows
assert all(r[0] == "solver" and float(r[3]) >= 0 for r in rows[1:])
PY'
"$M" bench --suite solver --repeat 1 --max-ops 40 --format json --out "$W/out" >"$W/b.json"
check "json: stdout and bench.json parse, with results" 'python3 -c "
import json, sys
for p in sys.argv[1:]:
    d = json.load(open(p)); assert d[\"results\"] and d[\"repeat\"] == 1
" "$W/b.json" "$W/out/bench.json"'
svg=$W/out/bench.svg
check "svg: well-formed XML" 'xmllint --noout "$svg"'
check "svg: axis titles with units, tick labels, a legend entry per series" \
  'grep -q ">operations (log scale)<" "$svg" && grep -q ">time (ms) (log scale)<" "$svg" &&
   [ "$(grep -c "text-anchor=\"middle\">[0-9.e+-]*</text>" "$svg")" -ge 2 ] &&
   grep -q ">plan (sqlite)</text>" "$svg" && grep -q ">plan (postgres)</text>" "$svg"'
check "svg: only the suites run (no executor panel)" '! grep -q "migrations per second" "$svg"'
echo "1..$n"
exit $fails
