#!/usr/bin/env bash
# hostile_test.sh MIGPROP: hostile input files are input errors (exit 2),
# never a hang, a read of /dev/zero, an empty schema or SQL run from a
# case file: plan --to DIR, NUL bytes, FIFOs and /dev/zero in a migrations
# directory, case-file defaults outside the grammar, 64-byte identifiers,
# non-UTF-8, a FIFO as an adapter file.  SQLite only (nothing here reaches
# a server).  TAP.
set -u
. "$(dirname "$0")/lib.sh"
mp_t_init hostile-test "$1"
# expect STATUS DESC ARGS...: migprop ARGS (at most 20 s: a hang fails) exits STATUS
expect() {
  local want=$1 desc=$2
  shift 2
  timeout 20 "$M" "$@" >"$W/out" 2>"$W/err" </dev/null
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$desc"; else bad "$desc (exit $got, wanted $want)"; fi
}

printf 'CREATE TABLE a (id integer PRIMARY KEY);\nCREATE TABLE b (id integer PRIMARY KEY);\n' >"$W/from.sql"

# ---- plan ----
mkdir "$W/adir"
expect 2 "plan --to DIR: an input error" plan --from "$W/from.sql" --to "$W/adir" --dialect sqlite
has err "adir: not a regular file (a directory)" "plan --to DIR: says so"
hasnt out "DROP TABLE" "plan --to DIR: no plan that drops every table"
printf 'CREATE TABLE a (id integer PRIMARY KEY);\n\0CREATE TABLE b (id integer PRIMARY KEY);\n' >"$W/nul.sql"
expect 2 "plan --to with a NUL byte: an input error" plan --from "$W/from.sql" --to "$W/nul.sql" --dialect sqlite
has err "nul.sql:2: NUL byte" "plan --to with a NUL byte: FILE:LINE"
mkfifo "$W/fifo.sql"
expect 2 "plan --from FIFO: refused without blocking" plan --from "$W/fifo.sql" --to "$W/from.sql" --dialect sqlite
has err "fifo.sql: not a regular file (a FIFO)" "plan --from FIFO: says so"

# ---- migrations directories ----
d=$W/m_zero
mkdir "$d"
echo 'CREATE TABLE a (id int);' >"$d/1_a.up.sql"
ln -s /dev/zero "$d/2_z.up.sql"
expect 2 "a symbolic link to /dev/zero in a migrations dir: refused" migrate --dir "$d" --db "sqlite:$W/z.db" up
has err "2_z.up.sql: not a regular file (a device)" "/dev/zero: names the file"
d=$W/m_fifo
mkdir "$d"
echo 'CREATE TABLE a (id int);' >"$d/1_a.up.sql"
mkfifo "$d/2_f.up.sql"
expect 2 "a FIFO in a migrations dir: refused without blocking" migrate --dir "$d" --db "sqlite:$W/f.db" up
has err "2_f.up.sql: not a regular file (a FIFO)" "FIFO: names the file"
d=$W/m_dfifo
mkdir -p "$d/2024-01-01-000000_one"
mkfifo "$d/2024-01-01-000000_one/up.sql"
expect 2 "a FIFO as a diesel up.sql: refused" migrate --dir "$d" --db "sqlite:$W/df.db" status
d=$W/m_nul
mkdir "$d"
printf -- '-- migrate:up\nCREATE TABLE a (id int);\n\0DROP TABLE x;\n-- migrate:down\n' >"$d/1_a.sql"
expect 2 "a NUL byte in a migration: refused" migrate --dir "$d" --db "sqlite:$W/n.db" up
has err "1_a.sql:3: NUL byte" "NUL byte in a migration: FILE:LINE"

# ---- case files ----
case_file() { # case_file NAME COLUMN-LINE: a case whose desired table has COLUMN-LINE
  printf '[start]\ntable "t"\n  column "id" integer not null\n  primary key ("id")\n[desired]\ntable "t"\n  column "id" integer not null\n%s\n  primary key ("id")\n' "$2" >"$W/$1.case"
}
case_file copy "  column \"x\" integer default 0); COPY t TO PROGRAM 'touch $W/pwned'; --"
expect 2 "a COPY ... TO PROGRAM default: refused at parse time" plan --case "$W/copy.case" --dialect sqlite
has err "copy.case:8: column \"x\": default" "COPY default: FILE:LINE"
[ -e "$W/pwned" ] && bad "COPY default: the program ran" || ok "COPY default: nothing ran"
expect 2 "a COPY default: replay refuses it too" replay "$W/copy.case"
for e in "1 + 1" "'a' || 'b'" "(SELECT 1)" "pg_read_file('/etc/passwd')" "0 -- x" "'open" "0::regclass" '$$x$$' "E'x'"; do
  case_file bad "  column \"x\" text default $e"
  expect 2 "default $e: refused" plan --case "$W/bad.case" --dialect sqlite
done
for e in "0" "-1.5" "'it''s'" "NULL" "true" "CURRENT_TIMESTAMP" "now()" "lower('A')" "CAST(0 AS bigint)" "('x'::text)" "'n/a'::character varying(10)" "X'00ff'"; do
  case_file good "  column \"x\" text default $e"
  expect 0 "default $e: accepted" plan --case "$W/good.case" --dialect sqlite
done
long=$(printf 'c%.0s' $(seq 1 64))
case_file long "  column \"$long\" integer"
expect 2 "a 64-byte identifier: an input error" plan --case "$W/long.case" --dialect sqlite
has err "long.case:8: identifier of 64 bytes" "64-byte identifier: FILE:LINE"
case_file ok63 "  column \"${long:1}\" integer"
expect 0 "a 63-byte identifier: fine" plan --case "$W/ok63.case" --dialect sqlite
case_file latin1 "$(printf '  column "caf\xe9" integer')"
expect 2 "a non-UTF-8 case file: an input error" plan --case "$W/latin1.case" --dialect sqlite
has err "latin1.case:8: not UTF-8" "non-UTF-8: FILE:LINE"
mkdir "$W/scen"
cp "$W/copy.case" "$W/scen/1.case"
expect 2 "check --scenarios with a hostile case: an input error" check --backend sqlite --iterations 0 --scenarios "$W/scen"

# ---- adapter files ----
mkfifo "$W/adapter.fifo"
expect 2 "a FIFO as an adapter file: refused without blocking" runner-check --adapter "$W/adapter.fifo" --backend sqlite --iterations 1

echo "1..$tests"
[ "$fails" -eq 0 ]
