#!/usr/bin/env bash
# generate_test.sh MIGPROP sqlite|postgres: `migprop generate` end to end on
# the fixtures of tests/generate/ (see SOURCE.md): the increment is only the
# difference, applies with `migprop migrate up` to the desired schema, a
# second run has nothing to do, data loss is refused.  PostgreSQL runs under
# `migprop cluster` (DATABASE_URL, PGHOST, PGUSER set).  Prints TAP; exits 1
# when a check failed.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init generate-test "$1" "$2" gen
HERE=$(cd "$(dirname "$0")" && pwd)
G=$HERE/generate
# load FILE: run a DDL file on DB with the database's own client
load() {
  if [ "$B" = sqlite ]; then sqlite3 -bail "${DB#sqlite:}" <"$1"; else psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$1" >/dev/null; fi
}
files() { (cd "$1" && ls | sort | tr '\n' ' '); }
gen() { "$M" generate --dialect "$B" "$@"; }

# ---- the increment: exactly ADD COLUMN bio ----
cp -r "$G/history" "$W/d"
expect 0 "bio: generate writes a migration" generate --dialect "$B" --dir "$W/d" --to "$G/desired_bio.sql" --name add_bio
eq "$(files "$W/d")" "0001_users.down.sql 0001_users.up.sql 0002_add_bio.down.sql 0002_add_bio.up.sql " \
  "bio: exactly one new file pair, the next version with the same width"
up=$W/d/0002_add_bio.up.sql down=$W/d/0002_add_bio.down.sql
eq "$(grep -v '^--' "$up" | grep -c .)" 1 "bio: the up holds one statement"
eq "$(grep -ciE '^ALTER TABLE "users" ADD COLUMN "bio" text;$' "$up")" 1 "bio: ... ALTER TABLE users ADD COLUMN bio"
eq "$(grep -ci 'CREATE TABLE' "$up")" 0 "bio: the history's table is not created again"
eq "$(grep -v '^--' "$down" | grep -c .)" 1 "bio: the down holds one statement"
eq "$(grep -ciE '^ALTER TABLE "users" DROP COLUMN "bio";$' "$down")" 1 "bio: ... DROP COLUMN bio"
# the new directory reaches the desired schema
fresh
expect 0 "bio: migrate up applies the directory" migrate --quiet --dir "$W/d" --db "$DB" up
"$M" schema --db "$DB" >"$W/got" 2>"$W/err"
fresh
load "$G/desired_bio.sql" 2>"$W/err"
"$M" schema --db "$DB" >"$W/want" 2>>"$W/err"
if [ -s "$W/want" ] && diff -u "$W/want" "$W/got" >"$W/out"; then ok "bio: migrate schema equals the desired schema"; else bad "bio: schema differs"; fi
# ... and back
fresh
"$M" migrate --quiet --dir "$W/d" --db "$DB" up >/dev/null 2>&1
expect 0 "bio: migrate down 1 reverts the increment" migrate --quiet --dir "$W/d" --db "$DB" down 1
"$M" schema --db "$DB" >"$W/got" 2>"$W/err"
fresh
load "$G/history/0001_users.up.sql" 2>"$W/err"
"$M" schema --db "$DB" >"$W/want" 2>>"$W/err"
if diff -u "$W/want" "$W/got" >"$W/out"; then ok "bio: after down the schema is the history's"; else bad "bio: down leaves another schema"; fi

# ---- nothing to do ----
before=$(files "$W/d")
expect 0 "again: exit 0" generate --dialect "$B" --dir "$W/d" --to "$G/desired_bio.sql"
eq "$(cat "$W/out")" "no changes" "again: prints no changes"
eq "$(files "$W/d")" "$before" "again: writes nothing"

# ---- data loss ----
cp -r "$G/history" "$W/loss"
before=$(files "$W/loss")
expect 1 "loss: refused, exit 1" generate --dialect "$B" --dir "$W/loss" --to "$G/desired_drop_email.sql"
if grep -qF -- '-- DATA LOSS: step 1, drop column "users"."email"' "$W/err"; then ok "loss: names the step"; else bad "loss: no DATA LOSS line"; fi
eq "$(files "$W/loss")" "$before" "loss: nothing written"
expect 0 "loss: --dry-run --allow-data-loss prints it" generate --dialect "$B" --dir "$W/loss" --to "$G/desired_drop_email.sql" --allow-data-loss --dry-run
if grep -qF -- '-- DATA LOSS: step 1' "$W/out" && grep -qF 'DROP COLUMN "email"' "$W/out"; then ok "loss: the printed migration marks the step"; else bad "loss: dry-run output"; fi
eq "$(files "$W/loss")" "$before" "loss: --dry-run writes nothing"
expect 0 "loss: --allow-data-loss writes it" generate --dialect "$B" --dir "$W/loss" --to "$G/desired_drop_email.sql" --allow-data-loss --name drop_email
if grep -qF -- '-- DATA LOSS:' "$W/loss/0002_drop_email.up.sql"; then ok "loss: the written up marks the step"; else bad "loss: unmarked"; fi

# ---- rename hints: a RENAME, and its reverse in the down ----
cp -r "$G/history" "$W/ren"
sed 's/name text NOT NULL/full_name text NOT NULL/' "$G/history/0001_users.up.sql" >"$W/desired_ren.sql"
echo 'column users name full_name' >"$W/renames"
expect 0 "renames: generate" generate --dialect "$B" --dir "$W/ren" --to "$W/desired_ren.sql" --renames "$W/renames" --name rename_name
eq "$(grep -v '^--' "$W/ren/0002_rename_name.up.sql")" 'ALTER TABLE "users" RENAME COLUMN "name" TO "full_name";' "renames: the up renames"
eq "$(grep -v '^--' "$W/ren/0002_rename_name.down.sql")" 'ALTER TABLE "users" RENAME COLUMN "full_name" TO "name";' "renames: the down renames back"

# ---- a history with a migration outside a transaction (PostgreSQL) ----
if [ "$B" = postgres ]; then
  cp -r "$G/history" "$W/notx"
  printf -- '-- migprop:no-transaction\nCREATE INDEX CONCURRENTLY users_name ON users (name);\n' >"$W/notx/0002_users_name.up.sql"
  printf 'DROP INDEX users_name;\n' >"$W/notx/0002_users_name.down.sql"
  { cat "$G/desired_bio.sql"; echo 'CREATE INDEX users_name ON users (name);'; } >"$W/desired_notx.sql"
  expect 0 "no-transaction: the history replays" generate --dialect "$B" --dir "$W/notx" --to "$W/desired_notx.sql" --name add_bio
  eq "$(grep -v '^--' "$W/notx/0003_add_bio.up.sql")" 'ALTER TABLE "users" ADD COLUMN "bio" text;' "no-transaction: the increment is only ADD COLUMN bio"
  eq "$(psql -X -qtA -d "$DATABASE_URL" -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'mp_shadow_%'")" 0 \
    "no-transaction: no shadow schema is left behind"
fi

# ---- the directory's own format ----
mkdir "$W/single"
printf -- '-- migrate:up\n%s\n-- migrate:down\nDROP TABLE users;\n' "$(cat "$G/history/0001_users.up.sql")" >"$W/single/20240101120000_users.sql"
expect 0 "single: generate" generate --dialect "$B" --dir "$W/single" --to "$G/desired_bio.sql" --name add_bio
new=$(cd "$W/single" && ls | grep -v '^20240101120000_users.sql$')
if [[ $new =~ ^[0-9]{14}_add_bio\.sql$ ]] && [ "$new" \> "20240101120000_users.sql" ]; then ok "single: a UTC timestamp version ($new)"; else bad "single: new file '$new'"; fi
if grep -q '^-- migrate:up$' "$W/single/$new" && grep -q '^-- migrate:down$' "$W/single/$new"; then ok "single: dbmate sections"; else bad "single: sections"; fi
mkdir -p "$W/diesel/2024-01-01-120000_users"
cp "$G/history/0001_users.up.sql" "$W/diesel/2024-01-01-120000_users/up.sql"
expect 0 "diesel: generate" generate --dialect "$B" --dir "$W/diesel" --to "$G/desired_bio.sql" --name add_bio
new=$(cd "$W/diesel" && ls | grep -v '^2024-01-01-120000_users$')
if [[ $new =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}_add_bio$ ]] && [ -f "$W/diesel/$new/up.sql" ] && [ -f "$W/diesel/$new/down.sql" ]; then
  ok "diesel: a timestamp directory with up.sql and down.sql ($new)"; else bad "diesel: new entry '$new'"; fi
fresh
expect 0 "diesel: migrate up applies it" migrate --quiet --dir "$W/diesel" --db "$DB" up

# ---- bad input ----
expect 2 "bad: a desired file that does not exist" generate --dialect "$B" --dir "$W/d" --to "$W/none.sql"
expect 2 "bad: a desired file the database refuses" generate --dialect "$B" --dir "$W/d" --to "$G/SOURCE.md"
expect 2 "bad: no --to" generate --dialect "$B" --dir "$W/d"

echo "1..$tests"
[ $fails -eq 0 ]
