#!/usr/bin/env bash
# lint_test.sh MIGPROP sqlite|postgres: `migprop lint` over the fixture
# directories of tests/lint/ (see tests/lint/SOURCE.md) and the vaultwarden
# fixtures.  PostgreSQL runs under `migprop cluster` (PGHOST, PGUSER set) to
# apply the order lint computes.  Prints TAP; exits 1 when a check failed.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init lint-test "$1" "$2" lint
HERE=$(cd "$(dirname "$0")" && pwd)
L=$HERE/lint
# has TEXT DESC: stdout has a line containing TEXT
has() { if grep -qF -- "$1" "$W/out"; then ok "$2"; else bad "$2: '$1' not in the output"; fi; }
hasnt() { if ! grep -qF -- "$1" "$W/out"; then ok "$2"; else bad "$2: '$1' in the output"; fi; }
# count TEXT N DESC: TEXT is on exactly N lines of stdout
count() {
  local got
  got=$(grep -cF -- "$1" "$W/out")
  if [ "$got" -eq "$2" ]; then ok "$3"; else bad "$3: '$1' on $got lines, wanted $2"; fi
}
lint() { "$M" lint --dialect "$B" "$@"; }

# ---- the seed: an index on a column a later migration adds ----
expect 1 "seed: errors exit 1" lint "$L/seed"
has "$L/seed/002_users_project_index.up.sql:2: error: column \"users\".\"project_id\" is created only by the later migration 003_users_project" \
  "seed: depends-on-later at 002's FILE:LINE, naming 003"
has "[depends-on-later]" "seed: the finding's code"
count "error:" 1 "seed: one error"
if [ "$B" = postgres ]; then
  has "002_users_project_index.up.sql:2: warning: CREATE INDEX \"users_project_id\" on the existing table \"users\"" \
    "seed: the index on an earlier migration's table is index-not-concurrent"
fi
expect 0 "seed --order exits 0" lint "$L/seed" --order
printf '%s\n' "$L/seed/001_users.up.sql" "$L/seed/003_users_project.up.sql" "$L/seed/002_users_project_index.up.sql" \
  "(differs from the declared order)" >"$W/want"
if diff -u "$W/want" "$W/out" >"$W/err"; then ok "seed --order: 001, 003, 002, differing from the declared order"; else bad "seed --order"; fi
# the declared order fails to apply; lint's order applies
fresh
expect 1 "seed: migrate up in the declared order fails" migrate --quiet --dir "$L/seed" --db "$DB" up
if grep -q "002_users_project_index.up.sql:2" "$W/err"; then ok "seed: ... at the line lint named"; else bad "seed: migrate's failure is not at 002:2"; fi
mkdir "$W/ordered"
k=0
for up in $(grep -v '^(' <(lint "$L/seed" --order)); do
  k=$((k + 1))
  base=$(basename "$up" .up.sql)
  cp "$up" "$W/ordered/${k}_${base#*_}.up.sql"
  cp "${up%.up.sql}.down.sql" "$W/ordered/${k}_${base#*_}.down.sql"
done
fresh
expect 0 "seed: migrate up in lint's order applies" migrate --quiet --dir "$W/ordered" --db "$DB" up
expect 0 "seed: the reordered directory lints clean" lint "$W/ordered"
count "error:" 0 "seed: the reordered directory has no errors"

# ---- triggers and functions: lint's order models what they use ----
# (SQLite: a trigger goes with its table, its body's tables and columns are
# dropped after it; PostgreSQL: a trigger's function is dropped after it, a
# SQL function's body is checked when it is created)
if [ "$B" = sqlite ]; then td=$L/triggers-sqlite; want="2_base 4_drop_trigger 3_drop_done 1_drop_tasks"
else td=$L/triggers-pg; want="3_base 1_count 4_drop_trigger 2_drop_fn"; fi
lint "$td" --order >"$W/out" 2>"$W/err"
got=$(grep -v '^(' "$W/out" | xargs -n1 basename | sed 's/\.up\.sql$//' | tr '\n' ' ' | sed 's/ $//')
if [ "$got" = "$want" ]; then ok "triggers ($B) --order: $want"; else bad "triggers ($B) --order: got '$got', wanted '$want'"; fi
fresh
expect 1 "triggers ($B): migrate up in the declared order fails" migrate --quiet --dir "$td" --db "$DB" up
rm -rf "$W/tordered" && mkdir "$W/tordered"
k=0
for m in $got; do k=$((k + 1)); cp "$td/$m.up.sql" "$W/tordered/${k}_${m#*_}.up.sql"; done
fresh
expect 0 "triggers ($B): migrate up in lint's order applies" migrate --quiet --dir "$W/tordered" --db "$DB" up

# ---- json ----
expect 1 "seed --format json exits 1" lint "$L/seed" --format json
if python3 -m json.tool "$W/out" >/dev/null 2>"$W/err"; then ok "json: parses"; else bad "json: does not parse"; fi
python3 - "$W/out" "$L/seed/002_users_project_index.up.sql" >"$W/err" 2>&1 <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
assert isinstance(f, list), f
for x in f:
    assert set(x) == {"file", "line", "code", "severity", "message", "migration"}, x
e = [x for x in f if x["severity"] == "error"]
assert len(e) == 1, e
assert e[0]["code"] == "depends-on-later" and e[0]["file"] == sys.argv[2] and e[0]["line"] == 2, e
assert e[0]["migration"] == "002_users_project_index", e
PY
if [ $? -eq 0 ]; then ok "json: the finding's fields"; else bad "json: the finding's fields"; fi
expect 0 "json: a clean directory is []" lint "$L/destructive" --format json --order
expect 0 "json: destructive warnings exit 0" lint "$L/destructive" --format json
python3 -c 'import json,sys; f=json.load(open(sys.argv[1])); assert [x["code"] for x in f]==["destructive"]*2 and [x["severity"] for x in f]==["warning"]*2, f' "$W/out" 2>"$W/err" &&
  ok "json: two destructive warnings" || bad "json: two destructive warnings"

# ---- destructive ----
expect 0 "destructive: warnings only, exit 0" lint "$L/destructive"
has "$L/destructive/2_drop_legacy.up.sql:2: warning: DROP COLUMN \"accounts\".\"legacy_code\" deletes its data [destructive]" "destructive: DROP COLUMN"
has "$L/destructive/3_drop_audit.up.sql:3: warning: DROP TABLE \"audit\"" "destructive: DROP TABLE"
hasnt "scratch" "destructive: DROP TABLE IF EXISTS of a table nobody created is no warning"

# ---- the PostgreSQL lock rules ----
if [ "$B" = postgres ]; then
  expect 0 "warnings: exit 0" lint "$L/warnings"
  has "002_cleanup.sql:3: warning: ALTER COLUMN \"users\".\"name\" TYPE varchar(20) narrows it from varchar(100)" "warnings: narrowing ALTER TYPE"
  hasnt "002_cleanup.sql:4:" "warnings: integer to bigint is no warning"
  has "003_online.sql:2: warning: column \"posts\".\"token\" is added with the volatile default gen_random_uuid()" "warnings: volatile-default"
  hasnt "003_online.sql:3:" "warnings: now() is stable: no warning"
  has "003_online.sql:4: warning: SET NOT NULL on \"posts\".\"title\"" "warnings: set-not-null"
  hasnt "003_online.sql:7:" "warnings: SET NOT NULL after a validated CHECK is no warning"
  has "003_online.sql:8: warning: CREATE INDEX \"posts_author\"" "warnings: index-not-concurrent"
  hasnt "003_online.sql:9:" "warnings: CREATE INDEX CONCURRENTLY is no warning"
  hasnt "003_online.sql:11:" "warnings: an index on this migration's own table is no warning"
  count "warning:" 5 "warnings: five warnings in all"
  expect 0 "pg-features: no findings" lint "$L/pg-features"
  count ": error:" 0 "pg-features: no errors"
  count ": warning:" 0 "pg-features: no warnings"
  fresh
  expect 0 "pg-features: migrate up applies it" migrate --quiet --dir "$L/pg-features" --db "$DB" up
fi

# ---- duplicate versions, gaps, cycles ----
before=$(cd "$L/dup" && ls | sort | tr '\n' ' ')
expect 1 "dup: exit 1" lint "$L/dup"
has "$L/dup/2_posts.up.sql:1: error: version 2 is also the version of $L/dup/002_tags.up.sql" "dup: duplicate-version names both files"
has "2 migrations" "dup: the other migrations are still checked"
after=$(cd "$L/dup" && ls | sort | tr '\n' ' ')
if [ "$before" = "$after" ]; then ok "dup: the directory is left as it was"; else bad "dup: files changed: $before -> $after"; fi
expect 1 "gap: exit 1" lint "$L/gap"
has "$L/gap/4_c.up.sql:1: error: version 4 follows 2: version 3 is missing [gap]" "gap: names the missing version"
expect 1 "cycle: exit 1" lint "$L/cycle"
has "migrations depend on each other's objects: 2_b -> 1_a -> 2_b [cycle]" "cycle: names the members"
expect 1 "cycle --order: exit 1" lint "$L/cycle" --order
has "cycle: $L/cycle/2_b.up.sql $L/cycle/1_a.up.sql" "cycle --order: prints the cycle"

# ---- an object nobody creates; a statement the parser refuses ----
mkdir "$W/ghost"
printf 'CREATE TABLE users (id integer PRIMARY KEY);\n' >"$W/ghost/1_users.up.sql"
printf -- '-- nobody creates ghosts\n\nCREATE INDEX ghosts_x ON ghosts (x);\n' >"$W/ghost/2_ghosts.up.sql"
expect 1 "ghost: exit 1" lint "$W/ghost"
has "$W/ghost/2_ghosts.up.sql:3: error: table \"ghosts\" is not created by this or any earlier migration [missing-reference]" \
  "ghost: missing-reference at FILE:LINE"
# ... or only a later statement of the same migration creates
mkdir "$W/same"
printf 'CREATE TABLE users (id integer PRIMARY KEY);\nCREATE INDEX users_org ON users (org_id);\nALTER TABLE users ADD COLUMN org_id integer;\n' >"$W/same/1_users.up.sql"
expect 1 "same migration: exit 1" lint "$W/same"
has "$W/same/1_users.up.sql:2: error: column \"users\".\"org_id\" is created only by a later statement of this migration (line 3) [missing-reference]" \
  "same migration: names the later statement's line"
if [ "$B" = postgres ]; then
  mkdir "$W/syntax"
  printf 'CREATE TABLE users (id integer PRIMARY KEY);\n\nCREATE TABLE posts (id integer,, title text);\n' >"$W/syntax/1_x.up.sql"
  expect 1 "syntax: exit 1" lint "$W/syntax"
  has "$W/syntax/1_x.up.sql:3: error: PostgreSQL's parser: syntax error at or near \",\"" "syntax: the parser's message at FILE:LINE"
fi

# ---- bad input ----
expect 2 "a missing directory: exit 2" lint "$W/nope"
mkdir "$W/mixed" && echo "SELECT 1;" >"$W/mixed/1_a.up.sql" && printf -- '-- migrate:up\nSELECT 1;\n' >"$W/mixed/2_b.sql"
expect 2 "a directory mixing formats: exit 2" lint "$W/mixed"

# ---- real directories: vaultwarden (tests/fixtures/*/SOURCE.md) ----
if [ "$B" = sqlite ]; then vw=$HERE/fixtures/vaultwarden-sqlite; else vw=$HERE/fixtures/vaultwarden-postgresql; fi
lint "$vw" >"$W/out" 2>"$W/err"
st=$?
# the original directory, its underscore-spelled diesel name included
sed 's/^/# lint: /' "$W/out"
if [ $st -eq 0 ] && ! grep -q "error:" "$W/out"; then ok "vaultwarden ($B): no errors"; else bad "vaultwarden ($B): exit $st"; fi
lint "$vw" --order >"$W/out" 2>"$W/err"
if [ $? -eq 0 ] && grep -qxF "(same as the declared order)" "$W/out"; then ok "vaultwarden ($B): the declared order is the dependency order"; else bad "vaultwarden ($B): --order"; fi

echo "1..$tests"
[ $fails -eq 0 ]
