#!/usr/bin/env bash
# sqlite_types_test.sh MIGPROP: SQLite declared types come back from the
# catalog without their quotes ("order" reads as order); a plan writes them
# so that sqlite3 -bail runs it and the declared type is the same again.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
fails=0
echo 'CREATE TABLE u (id integer PRIMARY KEY);' >from.sql
cat >to.sql <<'SQL'
CREATE TABLE u (id integer PRIMARY KEY);
CREATE TABLE t (id integer PRIMARY KEY, a "order", b "select from", c varchar(10), d "my type"(5), e unsigned big int);
SQL
"$bin" plan --from from.sql --to to.sql --dialect sqlite >plan.sql || { echo "not ok - plan"; exit 1; }
sqlite3 db <from.sql && sqlite3 -bail db <plan.sql 2>err.txt && echo "ok - the plan applies" ||
  { echo "not ok - the plan applies: $(cat err.txt)"; fails=$((fails + 1)); }
sqlite3 want <to.sql
for c in a b c d e; do
  w=$(sqlite3 want "SELECT type FROM pragma_table_info('t') WHERE name = '$c'")
  g=$(sqlite3 db "SELECT type FROM pragma_table_info('t') WHERE name = '$c'")
  # the model spells its own logical types in capitals (varchar(10): VARCHAR(10))
  [ "$(echo "$w" | tr a-z A-Z)" = "$(echo "$g" | tr a-z A-Z)" ] && echo "ok - column $c keeps its declared type '$w'" ||
    { echo "not ok - column $c: declared '$w', got '$g'"; fails=$((fails + 1)); }
done
echo "# $fails failed"
[ $fails -eq 0 ]
