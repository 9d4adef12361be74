#!/usr/bin/env bash
# validate_check_test.sh MIGPROP sqlite|postgres: `migprop validate` finds a
# CHECK constraint the live database lacks and one it has that the
# migrations do not make, each with its recommendation, and stays clean
# when the checks agree (a NOT VALID one aside).  PostgreSQL runs under
# `migprop cluster` (PGHOST, PGUSER set).  Prints TAP.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init validate_check "$1" "$2"
# has TEXT DESC / hasnt: in stdout or stderr (lib.sh's take one of them)
has() { if grep -qF -- "$1" "$W/out" "$W/err"; then ok "$2"; else bad "$2: '$1' not in the output"; fi; }
hasnt() { if grep -qF -- "$1" "$W/out" "$W/err"; then bad "$2: '$1' in the output"; else ok "$2"; fi; }
D=$W/migrations
mkdir -p "$D/2024-01-01-000000_items"
echo 'CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL CHECK (qty >= 0), name TEXT);' \
  >"$D/2024-01-01-000000_items/up.sql"
echo 'DROP TABLE items;' >"$D/2024-01-01-000000_items/down.sql"
if [ "$B" = sqlite ]; then
  DB=$W/items.sqlite
  sql() { sqlite3 -bail "$DB" "$1"; }
else
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE items" >/dev/null || exit 2
  DB="postgresql:///items?host=$PGHOST&user=$PGUSER"
  sql() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "$1" >/dev/null; }
fi
"$M" migrate up --dir "$D" --db "$DB" >/dev/null 2>"$W/err" || { cat "$W/err"; exit 1; }
expect 0 "the migrated database is clean (its check matches)" validate --db "$DB" --dir "$D"
# the same table without the check, then with one more
sql 'DROP TABLE items'
sql 'CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL, name TEXT)'
expect 1 "a missing CHECK is a finding" validate --db "$DB" --dir "$D"
has 'missing-constraint: CHECK (' "the missing check is named as a missing constraint"
has 'on "items" is missing; run `migprop migrate up`' "the missing check: run the migrations"
sql 'DROP TABLE items'
sql 'CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL CHECK (qty >= 0), name TEXT, CONSTRAINT items_name_len CHECK (length(name) < 100))'
expect 1 "an extra CHECK is a finding" validate --db "$DB" --dir "$D"
has 'extra-constraint: CHECK (' "the extra check is named as an extra constraint"
has 'length(name) < 100) on "items" is not in the expected schema' "the extra check's expression and table"
hasnt 'qty >= 0' "the check both sides have is no finding"
if [ "$B" = postgres ]; then
  has 'ALTER TABLE "items" DROP CONSTRAINT "items_name_len" in a migration, or add the check to the migrations' \
    "PostgreSQL: DROP CONSTRAINT by its name recommended"
else
  has 'rebuild the table without it in a migration' "SQLite (no DROP CONSTRAINT): a rebuild recommended"
fi
expect 1 "json: the extra check" validate --db "$DB" --dir "$D" --format json
has '"kind": "extra-constraint"' "json: kind extra-constraint"
mp_t_done
