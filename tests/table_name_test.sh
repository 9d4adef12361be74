#!/usr/bin/env bash
# table_name_test.sh MIGPROP: the tracking table's name (--table).  An
# empty or over-long name is refused before anything is created; a name
# with "$1" in it is used as written (it was rewritten to "?1" on SQLite);
# a 63-byte name works and is not truncated.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
mkdir m
echo 'CREATE TABLE a (id integer);' >m/1_a.up.sql
echo 'DROP TABLE a;' >m/1_a.down.sql
fails=0
no() { echo "not ok - $1"; fails=$((fails + 1)); }
ok() { echo "ok - $1"; }
"$bin" migrate --dir m --db sqlite:empty.db --table '' up 2>err.txt
[ $? -eq 2 ] && [ ! -e empty.db ] && grep -q 'name is empty' err.txt && ok "an empty name: exit 2, nothing created" ||
  no "an empty name: exit 2, nothing created"
long=$(printf 'a%.0s' $(seq 64))
"$bin" migrate --dir m --db sqlite:long.db --table "$long" up 2>err.txt
[ $? -eq 2 ] && [ ! -e long.db ] && grep -q '64 bytes' err.txt && ok "a 64-byte name: exit 2, nothing created" ||
  no "a 64-byte name: exit 2, nothing created"
"$bin" migrate --dir m --db sqlite:dollar.db --table 'my$1table' up >/dev/null 2>err.txt &&
  [ "$(sqlite3 dollar.db "SELECT count(*) FROM \"my\$1table\" WHERE status = 'applied'")" = 1 ] &&
  ok 'a name with $1 is used as written' || no "a name with \$1 is used as written: $(cat err.txt)"
"$bin" migrate --dir m --db sqlite:dollar.db --table 'my$1table' down 1 >/dev/null 2>&1 &&
  [ "$(sqlite3 dollar.db "SELECT count(*) FROM \"my\$1table\"")" = 0 ] && ok 'and reverted through it' ||
  no 'and reverted through it'
max=$(printf 'b%.0s' $(seq 63))
"$bin" migrate --dir m --db sqlite:max.db --table "$max" up >/dev/null 2>&1 &&
  [ "$(sqlite3 max.db "SELECT count(*) FROM \"$max\"")" = 1 ] && ok "a 63-byte name works" || no "a 63-byte name works"
echo "# $fails failed"
[ $fails -eq 0 ]
