#!/usr/bin/env bash
# backend_time_test.sh MIGPROP sqlite|postgres - each backend's time in the
# report is the work done on it: the `# B: N trials in X s` line is the sum
# of B's --stats phases, serial and with --jobs 2 (summed over the
# workers); postgres (under `migprop cluster`, both backends): the
# PostgreSQL work of dialect_agreement [sqlite] (it applies the plan on
# PostgreSQL too) is PostgreSQL's, charged to the first PostgreSQL point
# that reuses it (ordering_valid), not to dialect_agreement [sqlite].
# Prints TAP.
. "$(dirname "$0")/lib.sh"
mp_t_init backend_time "$1" "${2:-sqlite}"
export MIGPROP_FAILURE_DB=
cd "$W" || exit 2 # no ./scenarios here

# sums FILE BACKEND: "S T" - the sum of the backend's --stats phases and the
# seconds of its `trials in X s` line
sums() {
  awk -v b="[$2]" '
    $2 == "stats:" && $3 == "phases" && $5 == b":" {
      for (i = 6; i <= NF; i++) if ($i == "s," || $i == "s") s += $(i - 1) }
    $2 == substr(b, 2, length(b) - 2) ":" && $4 == "trials" && $5 == "in" { t = $6 }
    END { printf "%.3f %s\n", s, t }' "$1"
}
# addsup FILE BACKEND DESC: the phases add up to the line (3-decimal rounding aside)
addsup() {
  read -r s t < <(sums "$1" "$2")
  if [ -n "$t" ] && awk -v s="$s" -v t="$t" 'BEGIN { d = s - t; exit !(t > 0 && d < 0.03 && d > -0.03) }'; then
    ok "$3: the $2 phases add up to its trials line ($s s, $t s)"; else
    bad "$3: the $2 phases ($s s) do not add up to its trials line (${t:-none} s)"; sed 's/^/# /' "$1" | tail -12; fi
}
# phase FILE PROPERTY BACKEND NAME: one phase's seconds of one point
phase() {
  awk -v p="$2" -v b="[$3]:" -v n="$4" '$2 == "stats:" && $4 == p && $5 == b {
      for (i = 6; i < NF; i++) if ($i == n) { v = $(i + 1) } }
    END { print v + 0 }' "$1" | tr -d ','
}

if [ "$B" = sqlite ]; then
  for j in 1 2; do
    "$M" check --backend sqlite --iterations 40 --seed 2 --stats --jobs $j >"$W/t$j" 2>"$W/err"
    addsup "$W/t$j" sqlite "--jobs $j"
  done
else
  URL=${DATABASE_URL:?run under migprop cluster}
  # dialect_agreement [sqlite] applies the plan on PostgreSQL; ordering_valid
  # [postgres], checked later in the trial, reuses it: that work is
  # PostgreSQL's (its execute), not dialect_agreement [sqlite]'s compare
  for j in 1 2; do
    "$M" check --pg-url "$URL" --properties ordering_valid,dialect_agreement --iterations 30 --seed 4 \
      --stats --jobs $j >"$W/t$j" 2>"$W/err"
    pgx=$(phase "$W/t$j" ordering_valid postgres execute)
    cmp=$(phase "$W/t$j" dialect_agreement sqlite compare)
    if awk -v x="$pgx" -v c="$cmp" 'BEGIN { exit !(x > 0 && c < x / 4) }'; then
      ok "--jobs $j: PostgreSQL's work is PostgreSQL's (execute $pgx s; dialect_agreement [sqlite] compare $cmp s)"
    else
      bad "--jobs $j: PostgreSQL's work charged to SQLite (ordering_valid [postgres] execute $pgx s, dialect_agreement [sqlite] compare $cmp s)"
      grep -e phases -e 'trials in' "$W/t$j" | sed 's/^/# /'
    fi
    addsup "$W/t$j" sqlite "--jobs $j"
    addsup "$W/t$j" postgres "--jobs $j"
  done
  # on a disposable cluster of its own, stopped before the exit cleanup:
  # stderr holds no server notice ("terminating connection ...")
  for j in 1 2; do
    env -u DATABASE_URL "$M" check --backend postgres --iterations 4 --seed 4 --jobs $j >"$W/own$j" 2>"$W/err"
    if grep -q "WARNING\|terminating connection" "$W/err"; then
      bad "--jobs $j, own cluster: a server notice on stderr"; sed 's/^/# /' "$W/err" | tail -3
    else ok "--jobs $j, own cluster: no server notice on stderr"; fi
  done
fi
mp_t_done
