#!/usr/bin/env bash
# objects_test.sh MIGPROP sqlite|postgres: schema-level objects (views,
# materialized views, triggers, functions, procedures, extensions) are
# modelled.  Each kind's DDL is read back by `migprop schema` with nothing
# "not modelled", planned from an empty schema, applied with sqlite3 -bail /
# psql -v ON_ERROR_STOP=1 and read back equal; a column a view uses is
# dropped, renamed and retyped around the view, a SQLite rebuild keeps the
# table's trigger, a view's new body is planned; two databases that differ
# only in a view body never print alike; a partitioned table is refused by
# name.  PostgreSQL: run under `migprop cluster` (DATABASE_URL).  Prints
# TAP; exits 1 when a check failed.
set -u
M=$1 D=$2
W=$(mktemp -d "${MIGPROP_TMPDIR:-${TMPDIR:-/tmp}}/objects_test.XXXXXX")
trap 'rm -rf "$W"' EXIT
tests=0 fails=0
ok() { tests=$((tests + 1)); echo "ok $tests - $1"; }
bad() {
  tests=$((tests + 1)); fails=$((fails + 1)); echo "not ok $tests - $1"
  sed 's/^/# /' "$W/out" "$W/err" 2>/dev/null | head -30
}
check() { local n=$1; shift; if "$@" >"$W/out" 2>"$W/err"; then ok "$n"; else bad "$n (exit $?)"; fi; }
expect_exit() {
  local want=$1 n=$2; shift 2
  "$@" >"$W/out" 2>"$W/err"; local st=$?
  if [ $st -eq "$want" ]; then ok "$n"; else bad "$n (exit $st, want $want)"; fi
}
has() {
  local n=$1 f=$2; shift 2
  for t in "$@"; do
    if ! grep -qF -- "$t" "$f"; then bad "$n: says \"$t\""; return; fi
  done
  ok "$n"
}
: >"$W/empty.sql"

if [ "$D" = sqlite ]; then
  db() { rm -f "$W/$1.db"; : >"$W/$1.db"; sqlite3 -bail "$W/$1.db" <"$2"; }
  url() { echo "sqlite:$W/$1.db"; }
  apply() { sqlite3 -bail "$W/$1.db" <"$2"; }
else
  [ -n "${DATABASE_URL:-}" ] || { echo "1..0 # SKIP no DATABASE_URL (run under migprop cluster)"; exit 0; }
  KW="host=${PGHOST:?} port=${PGPORT:-5432} user=${PGUSER:?} dbname=${PGDATABASE:-postgres}"
  db() {
    psql -q "$KW" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS obj_$1 CASCADE; CREATE SCHEMA obj_$1" >/dev/null &&
      PGOPTIONS="-c search_path=obj_$1" psql -q -v ON_ERROR_STOP=1 "$KW" -f "$2" >/dev/null
  }
  url() { echo "$KW options=-csearch_path=obj_$1"; }
  apply() { PGOPTIONS="-c search_path=obj_$1" psql -q -v ON_ERROR_STOP=1 "$KW" -f "$2" >/dev/null; }
fi

# same NAME A B: databases A and B print the same canonical schema
same() {
  local st=0
  "$M" schema --db "$(url "$2")" >"$W/s1" 2>&1 || st=1
  "$M" schema --db "$(url "$3")" >"$W/s2" 2>&1 || st=1
  if [ $st = 0 ] && cmp -s "$W/s1" "$W/s2"; then ok "$1"; else diff "$W/s2" "$W/s1" >"$W/out"; : >"$W/err"; bad "$1"; fi
}

# roundtrip NAME FROM.sql TO.sql [plan options]: plan FROM -> TO, apply it to
# a database made from FROM, compare with one made from TO; the plan is left
# in $W/plan
n=0
roundtrip() {
  local name=$1 from=$2 to=$3; shift 3
  n=$((n + 1))
  expect_exit 0 "$D: $name: plans" "$M" plan --from "$from" --to "$to" --dialect "$D" "$@"
  cp "$W/out" "$W/plan"
  db "r${n}a" "$from"; db "r${n}b" "$to"
  check "$D: $name: ... applies" apply "r${n}a" "$W/plan"
  same "$D: $name: ... reaching the schema" "r${n}a" "r${n}b"
}

# 1. every kind reads back as an object, nothing "not modelled"
if [ "$D" = sqlite ]; then
  cat >"$W/all.sql" <<'EOF'
CREATE TABLE t(id integer PRIMARY KEY, a text, b int);
CREATE TABLE audit(x text);
CREATE VIEW v AS SELECT id, a FROM t WHERE b > 0;
CREATE VIEW w AS SELECT a FROM v;
CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.a); END;
EOF
  lines=('view "v" sql create view v as select id, a from t where b > 0' 'view "w" sql'
         'trigger "t_ai" on "t" sql create trigger t_ai after insert on t begin insert into audit values (new.a); end')
else
  cat >"$W/all.sql" <<'EOF'
CREATE TABLE t(id integer PRIMARY KEY, a text, b int);
CREATE TABLE audit(x text);
CREATE VIEW v AS SELECT id, a FROM t WHERE b > 0;
CREATE VIEW w AS SELECT a FROM v;
CREATE MATERIALIZED VIEW mv AS SELECT id, b FROM t;
CREATE FUNCTION audit_f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO audit VALUES (NEW.a); RETURN NEW; END$$;
CREATE TRIGGER t_ai AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit_f();
CREATE PROCEDURE note(x text) LANGUAGE sql AS $$INSERT INTO audit VALUES (x)$$;
EOF
  lines=('view "v" sql create view v as select t.id, t.a from t where t.b > 0' 'view "w" sql'
         'materialized view "mv" sql' 'function "audit_f" args '"''"' sql create or replace function audit_f()'
         'trigger "t_ai" on "t" sql create trigger t_ai after insert on t for each row execute function audit_f()'
         'procedure "note" args '"'IN x text'"' sql')
fi
check "$D: the objects load" db all "$W/all.sql"
expect_exit 0 "$D: schema reads them (nothing not modelled)" "$M" schema --db "$(url all)"
has "$D: ... as objects" "$W/out" "${lines[@]}"
if grep -q 'not modelled' "$W/out" "$W/err"; then bad "$D: ... none of them not modelled"; else ok "$D: ... none of them not modelled"; fi
expect_exit 0 "$D: schema --names gives the views' dependencies" "$M" schema --db "$(url all)" --names
has "$D: ... column by column" "$W/out" 'view "v" uses ("t"."' 'view "w" uses ("v"."a")'
roundtrip "EMPTY -> every kind" "$W/empty.sql" "$W/all.sql"
has "$D: ... creates the views after their tables, w after v" "$W/plan" 'needs view "v"'

# 2. a column a view uses is dropped: the view goes first, comes back after
printf 'CREATE TABLE t(id integer PRIMARY KEY, a text, b int);\nCREATE VIEW v AS SELECT id, a, b FROM t;\n' >"$W/d1.sql"
printf 'CREATE TABLE t(id integer PRIMARY KEY, a text);\nCREATE VIEW v AS SELECT id, a FROM t;\n' >"$W/d2.sql"
roundtrip "drop a column a view uses" "$W/d1.sql" "$W/d2.sql"
drop_v=$(grep -n '^DROP VIEW "v"' "$W/plan" | cut -d: -f1); drop_b=$(grep -n 'DROP COLUMN "b"' "$W/plan" | cut -d: -f1)
create_v=$(grep -in '^CREATE VIEW v' "$W/plan" | cut -d: -f1)
if [ -n "$drop_v" ] && [ -n "$drop_b" ] && [ -n "$create_v" ] && [ "$drop_v" -lt "$drop_b" ] && [ "$drop_b" -lt "$create_v" ]; then
  ok "$D: ... DROP VIEW, DROP COLUMN, CREATE VIEW in that order"
else cp "$W/plan" "$W/out"; bad "$D: ... DROP VIEW, DROP COLUMN, CREATE VIEW in that order"; fi

# 3. a column a view uses is renamed (hint) and retyped; the view is the same
printf 'CREATE TABLE t(id integer PRIMARY KEY, a varchar(10), b int);\nCREATE VIEW v AS SELECT id, a FROM t WHERE b > 0;\nCREATE VIEW u AS SELECT id FROM t;\n' >"$W/n1.sql"
printf 'CREATE TABLE t(id integer PRIMARY KEY, a varchar(20), c int);\nCREATE VIEW v AS SELECT id, a FROM t WHERE c > 0;\nCREATE VIEW u AS SELECT id FROM t;\n' >"$W/n2.sql"
printf 'column t b c\n' >"$W/n.hints"
roundtrip "rename and retype columns a view uses" "$W/n1.sql" "$W/n2.sql" --renames "$W/n.hints"
has "$D: ... through a rename, not a drop" "$W/plan" 'RENAME COLUMN "b" TO "c"'
if [ "$D" = postgres ]; then
  # PostgreSQL keeps u across the rename and the type change (it reads only
  # id); SQLite rebuilds t for the type change, so u goes and comes back too
  if grep -q 'DROP VIEW "u"' "$W/plan"; then bad "$D: ... a view that uses neither column stays"
  else ok "$D: ... a view that uses neither column stays"; fi
fi

# 4. a view's body changes
printf 'CREATE TABLE t(id integer PRIMARY KEY, a text, b int);\nCREATE VIEW v AS SELECT id FROM t;\n' >"$W/b1.sql"
printf 'CREATE TABLE t(id integer PRIMARY KEY, a text, b int);\nCREATE VIEW v AS SELECT id, a FROM t WHERE b IS NULL;\n' >"$W/b2.sql"
roundtrip "change a view's definition" "$W/b1.sql" "$W/b2.sql"

# 5. two databases that differ only in a view body never print alike
db vb1 "$W/b1.sql"; db vb2 "$W/b2.sql"
"$M" schema --db "$(url vb1)" >"$W/vb1.txt" 2>&1; "$M" schema --db "$(url vb2)" >"$W/vb2.txt" 2>&1
if cmp -s "$W/vb1.txt" "$W/vb2.txt"; then bad "$D: a view body makes the canonical forms differ"
else ok "$D: a view body makes the canonical forms differ"; fi
expect_exit 0 "$D: plan between them" "$M" plan --from "$W/b1.sql" --to "$W/b2.sql" --dialect "$D"
has "$D: ... replaces the view" "$W/out" 'drop view "v"' 'create view "v"'

# 6. a table with a trigger changes (SQLite: rebuilt, which drops triggers)
if [ "$D" = sqlite ]; then
  tr='CREATE TRIGGER t_au AFTER UPDATE ON t BEGIN INSERT INTO audit VALUES (old.a); END;'
else
  tr='CREATE FUNCTION au() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO audit VALUES (OLD.a); RETURN NEW; END$$;
CREATE TRIGGER t_au AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION au();'
fi
printf 'CREATE TABLE audit(x text);\nCREATE TABLE t(id integer PRIMARY KEY, a text);\n%s\n' "$tr" >"$W/t1.sql"
printf 'CREATE TABLE audit(x text);\nCREATE TABLE t(id integer PRIMARY KEY, a text NOT NULL DEFAULT '"'-'"');\n%s\n' "$tr" >"$W/t2.sql"
roundtrip "change a table that has a trigger" "$W/t1.sql" "$W/t2.sql"
if [ "$D" = sqlite ]; then
  has "sqlite: ... the trigger is dropped and created around the rebuild" "$W/plan" 'DROP TRIGGER "t_au"' 'CREATE TABLE "_mp_new_t"' 'CREATE TRIGGER t_au AFTER UPDATE'
  has "sqlite: ... and survives it" "$W/s1" 'trigger "t_au" on "t"'
fi

# 7. the virtual schema refuses a plan step under a view (naive order)
printf 'CREATE TABLE t(id integer PRIMARY KEY, a text);\n' >"$W/e1.sql"
printf 'CREATE TABLE t(id integer PRIMARY KEY, a text);\nCREATE VIEW v AS SELECT a FROM t;\nCREATE VIEW v2 AS SELECT a FROM v;\n' >"$W/e2.sql"
roundtrip "create views over views" "$W/e1.sql" "$W/e2.sql"
roundtrip "drop views over views and their table" "$W/e2.sql" "$W/empty.sql"

# 8. PostgreSQL: partitioned and inherited tables are refused by name;
# an extension reads as an object
if [ "$D" = postgres ]; then
  printf "CREATE TABLE measurements(logdate date NOT NULL, v int) PARTITION BY RANGE (logdate);\nCREATE TABLE m2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\nCREATE TABLE base(id int);\nCREATE TABLE kid(x int) INHERITS (base);\n" >"$W/part.sql"
  db part "$W/part.sql"
  expect_exit 2 "postgres: schema refuses a partitioned table" "$M" schema --db "$(url part)"
  has "postgres: ... by name, with its key" "$W/err" 'table measurements: partitioned (PARTITION BY RANGE (logdate))' \
      'table m2024: a partition of measurements' 'table kid: inherits from base'
  expect_exit 2 "postgres: plan refuses it" "$M" plan --from "$W/empty.sql" --to "$W/part.sql" --dialect postgres
  has "postgres: ... by name" "$W/err" 'table measurements: partitioned'
  printf 'CREATE EXTENSION IF NOT EXISTS pgcrypto;\n' >"$W/ext.sql"
  db ext "$W/ext.sql"
  expect_exit 0 "postgres: an extension reads as an object" "$M" schema --db "$(url ext)"
  has "postgres: ... named" "$W/out" 'extension "pgcrypto" sql create extension pgcrypto'
  psql -q "$KW" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS obj_ext CASCADE" >/dev/null
fi

echo "1..$tests"
[ $fails -eq 0 ]
