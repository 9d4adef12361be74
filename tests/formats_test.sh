#!/usr/bin/env bash
# formats_test.sh MIGPROP sqlite|postgres: every migration-directory layout
# migprop reads (tests/formats/, tests/fixtures/), applied through
# `migprop migrate` on one backend, re-run as a no-op, reverted where it has
# downs, and compared with the same SQL applied raw (sqlite3 -bail,
# psql -v ON_ERROR_STOP=1).  PostgreSQL runs under `migprop cluster`.
# Prints TAP; exits 1 when a check failed.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init formats-test "$1" "$2" f
S=$(cd "$(dirname "$0")" && pwd)
# raw FILE...: apply the files in order on DB with the database's own client
raw() {
  local f
  for f in "$@"; do
    if [ "$B" = sqlite ]; then
      sqlite3 -bail "${DB#sqlite:}" <"$f" || return 1
    else
      psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$f" >/dev/null || return 1
    fi
  done
}
# schema_of URL > FILE
schema_of() { "$M" schema --db "$1" 2>&1; }

# ---- every hand-written layout: the same three migrations ----
fresh
raw "$S/formats/golang-migrate/"*.up.sql || bad "raw golang-migrate"
want=$(schema_of "$DB")
empty_db=""
for f in golang-migrate sqlx sqlx-reversible goose dbmate sql-migrate updown diesel flyway; do
  d=$S/formats/$f
  fresh
  nmig=3
  [ $f = flyway ] && nmig=4 # the repeatable migration runs too
  expect 0 "$f: up" migrate --dir "$d" --db "$DB" up
  has err "$nmig migrations applied" "$f: $nmig applied"
  expect 0 "$f: a second up" migrate --dir "$d" --db "$DB" up
  has err "0 migrations applied" "$f: a second up is a no-op"
  expect 0 "$f: verify" migrate --dir "$d" --db "$DB" verify
  got=$(schema_of "$DB")
  # goose's StatementBegin/End block keeps a ';' inside a string default
  [ $f = goose ] && got=$(printf '%s\n' "$got" | sed "s/ default 'a; b'//")
  if [ $f = flyway ]; then
    # the repeatable view on top of the same tables
    eq "$(sql "SELECT count(*) FROM user_emails")" 0 "$f: the repeatable view exists"
  else
    eq "$got" "$want" "$f: the schema equals the raw application's"
  fi
  if [ $f = sqlx ]; then
    expect 1 "$f: down of an up-only migration is refused" migrate --dir "$d" --db "$DB" down
    has err "irreversible" "$f: says it is irreversible"
    continue
  fi
  if [ $f = flyway ]; then
    # the undo of V2, then V1.1 and V1 have none
    expect 0 "$f: down reverts V2 with U2" migrate --dir "$d" --db "$DB" down
    if schema_of "$DB" | grep -q posts_user_id; then bad "$f: U2 dropped the index"; else ok "$f: U2 dropped the index"; fi
    expect 1 "$f: V1.1 has no undo" migrate --dir "$d" --db "$DB" down
    continue
  fi
  expect 0 "$f: down 3" migrate --dir "$d" --db "$DB" down 3
  has err "3 migrations reverted" "$f: all three reverted"
  if [ -z "$empty_db" ]; then
    fresh
    [ "$B" = sqlite ] && sqlite3 "${DB#sqlite:}" "CREATE TABLE x (a); DROP TABLE x;"
    empty_db=$(schema_of "$DB")
  fi
  got=$(schema_of "$DB")
  eq "$got" "$empty_db" "$f: the database is empty again"
done

# ---- Flyway: version order, repeatables, out of order ----
d=$W/fly
cp -r "$S/formats/flyway" "$d"
fresh
expect 0 "flyway: status before anything ran" migrate --dir "$d" --db "$DB" status
order=$(awk 'NR>1 && $2 == "pending" {print $1}' "$W/out" | tr '\n' ' ')
eq "$order" "1 1.1 2 R__user_emails " "flyway: versions numerically, part by part, then the repeatable"
cp "$d/V2__index_posts.sql" "$d/V10__later.sql"
sed -i 's/posts_user_id/posts_title/; s/(user_id)/(title)/' "$d/V10__later.sql"
expect 0 "flyway: up" migrate --dir "$d" --db "$DB" up
has err "applied 10 later" "flyway: V10 after V2 (not as text)"
expect 0 "flyway: nothing changed" migrate --dir "$d" --db "$DB" up
has err "0 migrations applied" "flyway: an unchanged repeatable does not run again"
printf 'DROP VIEW IF EXISTS user_emails;\nCREATE VIEW user_emails AS SELECT id, email, 1 AS one FROM users;\n' >"$d/R__user_emails.sql"
expect 0 "flyway: up after the repeatable changed" migrate --dir "$d" --db "$DB" up
has err "applied R__user_emails" "flyway: the changed repeatable runs again"
has err "1 migration applied" "flyway: only it"
eq "$(sql "SELECT count(*) FROM migprop_migrations WHERE version = 'R__user_emails' AND status = 'applied'")" 1 \
  "flyway: one tracking row per repeatable"
expect 0 "flyway: verify accepts a changed repeatable" migrate --dir "$d" --db "$DB" verify
printf 'CREATE TABLE late (id integer PRIMARY KEY);\n' >"$d/V1.2__late.sql"
expect 1 "flyway: an out-of-order version is refused" migrate --dir "$d" --db "$DB" up
has err "V1.2__late.sql: pending, but older" "flyway: names the file"
expect 0 "flyway: --out-of-order applies it" migrate --dir "$d" --db "$DB" --out-of-order up
has err "applied 1.2 late" "flyway: V1.2 applied"
printf 'SELECT 1;\n' >"$d/U7__orphan.sql"
expect 2 "flyway: an undo without its version is an error" migrate --dir "$d" --db "$DB" status
has err "U7__orphan.sql" "flyway: names the orphan undo"
rm "$d/U7__orphan.sql"

# ---- status and verify for machines (jq reads them) ----
expect 0 "status --format json" migrate --dir "$d" --db "$DB" status --format json
eq "$(jq -r '[.migrations[] | .version + ":" + .state] | join(" ")' "$W/out")" \
  "1:applied 1.1:applied 1.2:applied 2:applied 10:applied R__user_emails:applied" "json: versions and states in order"
eq "$(jq -r '[.migrations[] | .checksum_match] | all' "$W/out")" true "json: every checksum matches"
eq "$(jq -r '.migrations[0] | (.applied_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")) and (.duration_ms >= 0) and (.attempts == 1)' "$W/out")" \
  true "json: applied_at, duration_ms, attempts"
eq "$(jq -r '.applied, .pending' "$W/out" | tr '\n' ' ')" "6 0 " "json: the counts"
printf 'CREATE TABLE users (id integer PRIMARY KEY, email text);\n' >"$d/V1__create_users.sql"
expect 1 "verify --format json: exit 1 on a problem" migrate --dir "$d" --db "$DB" verify --format json
eq "$(jq -r '.problem_count, (.problems[0] | test("V1__create_users.sql: changed after it was applied")), (.migrations[0].checksum_match)' "$W/out" | tr '\n' ' ')" \
  "1 true false " "json: the problem and the checksum mismatch"

# ---- checksums: CRLF and a BOM are no edit; a real edit is, until repair --accept-edits ----
d=$W/sum
cp -r "$S/formats/golang-migrate" "$d"
fresh
expect 0 "checksum: up" migrate --dir "$d" --db "$DB" up
sed -i 's/$/\r/' "$d/000001_create_users.up.sql"
printf '\xef\xbb\xbf' | cat - "$d/000002_create_posts.up.sql" >"$W/bom" && mv "$W/bom" "$d/000002_create_posts.up.sql"
expect 0 "checksum: CRLF line ends and a UTF-8 BOM are no edit" migrate --dir "$d" --db "$DB" verify
printf 'CREATE INDEX posts_user_id ON posts (user_id, id);\n' >"$d/000003_index_posts.up.sql"
expect 1 "checksum: an edit of an applied migration is found" migrate --dir "$d" --db "$DB" verify
has out "000003_index_posts.up.sql: changed after it was applied" "checksum: names the file"
expect 0 "checksum: repair --accept-edits" migrate --dir "$d" --db "$DB" repair --accept-edits
has out "accepted the edit of 3" "checksum: says which"
expect 0 "checksum: verify after accepting the edit" migrate --dir "$d" --db "$DB" verify

# ---- layouts that are errors ----
d=$W/fileish
cp -r "$S/formats/golang-migrate" "$d"
mkdir "$d/000004_x.up.sql"
expect 2 "a directory named like a migration file is an error" migrate --dir "$d" --db "$DB" status
has err "000004_x.up.sql: a directory named like a migration file" "names the directory"
d=$W/mixed
mkdir -p "$d"
cp "$S/formats/golang-migrate/000001_create_users.up.sql" "$d/"
cp "$S/formats/flyway/V2__index_posts.sql" "$d/"
expect 2 "a mixed layout is an error" migrate --dir "$d" --db "$DB" status
has err "V2__index_posts.sql" "mixed: names a file of each layout"
has err "000001_create_users.up.sql" "mixed: names the other"
d=$W/goosebad
mkdir -p "$d"
printf -- '-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE x (id integer);\n-- +goose Down\nDROP TABLE x;\n' >"$d/1_x.sql"
expect 2 "goose: an unended StatementBegin is an error" migrate --dir "$d" --db "$DB" status
has err "1_x.sql:4:" "goose: names the file and line"

# ---- real diesel projects: vaultwarden, and diesel's own setup migration ----
if [ "$B" = sqlite ]; then vw=$S/fixtures/vaultwarden-sqlite; else vw=$S/fixtures/vaultwarden-postgresql; fi
fresh
raw "$vw"/*/up.sql && ok "vaultwarden: raw application" || bad "vaultwarden: raw application"
want=$(schema_of "$DB")
fresh
expect 0 "vaultwarden ($B): up, unmodified" migrate --dir "$vw" --db "$DB" up
nvw=$(ls -d "$vw"/*/ | wc -l)
has err "$nvw migrations applied" "vaultwarden: all $nvw applied"
expect 0 "vaultwarden: a second up" migrate --dir "$vw" --db "$DB" up
has err "0 migrations applied" "vaultwarden: a second up is a no-op"
eq "$(schema_of "$DB")" "$want" "vaultwarden: the schema equals the raw application's"
expect 0 "vaultwarden: verify" migrate --dir "$vw" --db "$DB" verify
if [ "$B" = sqlite ]; then
  eq "$(sql "SELECT version FROM migprop_migrations WHERE name LIKE '%sso_userscascade'")" 20240313 \
    "vaultwarden: diesel's version of 2024-03-13_170000_sso_userscascade"
fi
if [ "$B" = postgres ]; then
  ds=$S/fixtures/diesel-setup-postgresql
  fresh
  raw "$ds"/0*/up.sql "$ds"/2024-01-01-*/up.sql && psql -X -q -d "$DB" -c "$(cat "$ds"/2024-01-02-*/up.sql)" \
    && ok "diesel setup: raw application" || bad "diesel setup: raw application"
  want=$(schema_of "$DB")
  fresh
  expect 0 "diesel setup: up runs 00000000000000_diesel_initial_setup" migrate --dir "$ds" --db "$DB" up
  has err "3 migrations applied" "diesel setup: all three applied"
  eq "$(sql "SELECT count(*) FROM pg_trigger WHERE tgname = 'set_updated_at'")" 1 "diesel setup: diesel_manage_updated_at ran"
  eq "$(schema_of "$DB")" "$want" "diesel setup: the schema equals the raw application's"
  expect 0 "diesel setup: down 3 (CONCURRENTLY outside a transaction)" migrate --dir "$ds" --db "$DB" down 3
  eq "$(sql "SELECT count(*) FROM pg_proc WHERE proname LIKE 'diesel_%'")" 0 "diesel setup: its down dropped the helpers"
fi

echo "1..$tests"
[ "$fails" -eq 0 ] || { echo "# $fails of $tests failed"; exit 1; }
