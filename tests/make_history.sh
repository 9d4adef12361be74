#!/usr/bin/env bash
# make_history.sh DIR sqlite|postgres: write a realistic 53-migration
# history (pairs format) into DIR: 13 tables chained by foreign keys, column
# renames, data changes (the first three irreversible), a default and type
# change per table (on SQLite the 12-step rebuild of the ALTER TABLE docs,
# section 7), and a rename of a table other tables reference.
set -eu
d=$1
B=$2
mig() { # mig DIR FILE TEXT
  mkdir -p "$1"
  printf '%s\n' "$3" >"$1/$2"
}
v=0
next() { v=$((v + 1)); V=$(printf %03d $v); }
for i in $(seq 1 13); do
  fk=""
  [ "$i" -gt 1 ] && fk=", parent_id integer REFERENCES t$((i - 1)) (id)"
  next
  p="NULL"; [ "$i" -gt 1 ] && p=1
  mig "$d" "${V}_create_t$i.up.sql" "CREATE TABLE t$i (id integer PRIMARY KEY, name text NOT NULL$fk);
CREATE INDEX t${i}_name ON t$i (name);
INSERT INTO t$i (id, name$( [ "$i" -gt 1 ] && echo ", parent_id")) VALUES (1, 'a'$( [ "$i" -gt 1 ] && echo ", $p")), (2, 'b'$( [ "$i" -gt 1 ] && echo ", $p"));"
  mig "$d" "${V}_create_t$i.down.sql" "DROP TABLE t$i;"
  next
  mig "$d" "${V}_rename_t${i}_name.up.sql" "ALTER TABLE t$i RENAME COLUMN name TO title;"
  mig "$d" "${V}_rename_t${i}_name.down.sql" "ALTER TABLE t$i RENAME COLUMN title TO name;"
  next
  mig "$d" "${V}_data_t$i.up.sql" "UPDATE t$i SET title = title || '!';"
  if [ "$i" -gt 3 ]; then
    mig "$d" "${V}_data_t$i.down.sql" "UPDATE t$i SET title = substr(title, 1, length(title) - 1);"
  fi # early data changes are irreversible
  next
  if [ "$B" = sqlite ]; then
    # the 12-step rebuild (SQLite docs, ALTER TABLE section 7): title gets a default
    mig "$d" "${V}_default_t$i.up.sql" "-- migprop:foreign-keys-off
CREATE TABLE t${i}_new (id integer PRIMARY KEY, title text NOT NULL DEFAULT ''$fk);
INSERT INTO t${i}_new SELECT * FROM t$i;
DROP TABLE t$i;
ALTER TABLE t${i}_new RENAME TO t$i;
CREATE INDEX t${i}_name ON t$i (title);"
    mig "$d" "${V}_default_t$i.down.sql" "-- migprop:foreign-keys-off
CREATE TABLE t${i}_old (id integer PRIMARY KEY, title text NOT NULL$fk);
INSERT INTO t${i}_old SELECT * FROM t$i;
DROP TABLE t$i;
ALTER TABLE t${i}_old RENAME TO t$i;
CREATE INDEX t${i}_name ON t$i (title);"
  else
    mig "$d" "${V}_default_t$i.up.sql" "ALTER TABLE t$i ALTER COLUMN title SET DEFAULT '', ALTER COLUMN title TYPE varchar(200);"
    mig "$d" "${V}_default_t$i.down.sql" "ALTER TABLE t$i ALTER COLUMN title DROP DEFAULT, ALTER COLUMN title TYPE text;"
  fi
done
next
mig "$d" "${V}_rename_t1.up.sql" "ALTER TABLE t1 RENAME TO first;"
mig "$d" "${V}_rename_t1.down.sql" "ALTER TABLE first RENAME TO t1;"
