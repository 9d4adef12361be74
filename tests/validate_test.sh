#!/usr/bin/env bash
# validate_test.sh MIGPROP sqlite|postgres: `migprop validate` on the
# vaultwarden fixtures (tests/fixtures/SOURCE.md files) plus one migration
# adding an index: clean on a fully migrated database, read-only (the file,
# its directory or the catalog unchanged), and each planted difference found
# with its message: a dropped index, a dropped column, an added column, a
# NOT VALID constraint (PostgreSQL), an unmigrated database, bad input.
# PostgreSQL runs under `migprop cluster` (PGHOST, PGUSER set).  Prints TAP.
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
B=$2
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/validate_test.XXXXXX")
trap 'rm -rf "$W"' EXIT
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() { tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"; sed 's/^/# /' "$W/err" "$W/out" 2>/dev/null | head -30; }
expect() {
  local want=$1 desc=$2
  shift 2
  "$M" "$@" >"$W/out" 2>"$W/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$desc"; else bad "$desc (exit $got, wanted $want)"; fi
}
has() { if grep -qF -- "$1" "$W/out" "$W/err"; then ok "$2"; else bad "$2: '$1' not in the output"; fi; }
# the fixture and one more migration: an index to drop
D=$W/migrations
cp -r "$HERE/fixtures/vaultwarden-$([ "$B" = sqlite ] && echo sqlite || echo postgresql)" "$D"
rm -f "$D/SOURCE.md"
mkdir "$D/2099-01-01-000000_index_folders_name"
echo 'CREATE INDEX folders_name_idx ON folders (name);' >"$D/2099-01-01-000000_index_folders_name/up.sql"
echo 'DROP INDEX folders_name_idx;' >"$D/2099-01-01-000000_index_folders_name/down.sql"
if [ "$B" = sqlite ]; then
  DB=$W/db/vault.sqlite
  mkdir "$W/db"
  sql() { sqlite3 -bail "$DB" "$1"; }
  state() { ls -lA --time-style=full-iso "$W/db"; sha256sum "$DB"; }
else
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE vault" >/dev/null || exit 2
  DB="postgresql:///vault?host=$PGHOST&user=$PGUSER"
  sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "$1" >/dev/null; }
  state() { pg_dump -s -d "$DB" | grep -v '^.\(un\)\?restrict '; psql -X -A -t -d "$DB" -c "SELECT count(*) FROM pg_class"; }
fi
if [ "$B" = sqlite ]; then
  expect 2 "a database file that does not exist is bad input" validate --db "$DB" --dir "$D"
  has "no such database file" "the missing file named"
  if [ -e "$DB" ]; then bad "validate created the database file"; else ok "validate created no file"; fi
else
  expect 1 "an empty database: every table missing" validate --db "$DB" --dir "$D"
  has 'missing-table: table "users" is missing; run `migprop migrate up`' "unmigrated: the missing table named"
fi
"$M" migrate up --dir "$D" --db "$DB" >/dev/null 2>"$W/err" || { cat "$W/err"; exit 1; }
state >"$W/before"
expect 0 "the fully migrated database is clean" validate --db "$DB" --dir "$D"
has "clean against" "clean says so"
expect 0 "json: clean" validate --db "$DB" --dir "$D" --format json
has '"clean": true' "json: clean is true"
state >"$W/after"
if cmp -s "$W/before" "$W/after"; then ok "validate changed nothing (files and catalog)"; else
  diff "$W/before" "$W/after" >"$W/out"; bad "validate changed something"; fi
sql 'DROP INDEX folders_name_idx'
expect 1 "a dropped index is a finding" validate --db "$DB" --dir "$D"
has 'missing-index: index "folders_name_idx" on "folders" ("name") is missing; run `migprop migrate up`, or CREATE INDEX "folders_name_idx" ON "folders" ("name")' "the dropped index named, with its CREATE INDEX"
sql 'CREATE INDEX folders_name_idx ON folders (name)'
sql 'ALTER TABLE ciphers DROP COLUMN favorite'
expect 1 "a dropped column is a finding" validate --db "$DB" --dir "$D"
has 'missing-column: column "ciphers"."favorite" (boolean not null' "the missing column named"
sql 'ALTER TABLE folders ADD COLUMN color TEXT'
sql 'CREATE INDEX folders_color_idx ON folders (color)'
expect 1 "an added column is a finding" validate --db "$DB" --dir "$D"
has 'extra-column: column "folders"."color" (text) is not in the expected schema; drop it in a migration, or add it to the migrations' "the extra column named"
has 'orphaned-index: index "folders_color_idx" on "folders" is built on column "color", which the expected schema lacks; DROP INDEX "folders_color_idx"' "the index on it is orphaned"
if [ "$B" = postgres ]; then
  sql "ALTER TABLE folders ADD CONSTRAINT folders_user_nv FOREIGN KEY (user_uuid) REFERENCES users (uuid) NOT VALID"
  expect 1 "a NOT VALID constraint is a finding" validate --db "$DB" --dir "$D" --format json
  has '"fix": "ALTER TABLE \"folders\" VALIDATE CONSTRAINT \"folders_user_nv\""' "NOT VALID: VALIDATE CONSTRAINT recommended"
  sql "ALTER TABLE folders ADD CONSTRAINT folders_name_excl EXCLUDE USING btree (name WITH =)"
  expect 1 "an unmodelled EXCLUDE constraint differs" validate --db "$DB" --dir "$D"
  has "unmodelled object seen:" "the unmodelled objects are listed"
fi
expect 2 "--dir and --expect-schema together are refused" validate --db "$DB" --dir "$D" --expect-schema "$D"
expect 2 "a missing directory is named" validate --db "$DB" --dir "$W/nope"
has "$W/nope" "the missing directory's name"
expect 2 "not a database URL" validate --db "mysql://x" --dir "$D"
echo "1..$tests"
[ "$fails" -eq 0 ]
