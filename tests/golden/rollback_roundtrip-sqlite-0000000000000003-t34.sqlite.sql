-- migprop repro of fail/rollback_roundtrip-sqlite-0000000000000003-t34.case: rollback_roundtrip on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE TABLE "comments1" ("id" INTEGER NOT NULL, PRIMARY KEY ("id"));
CREATE TABLE "select" ("id" INTEGER NOT NULL, "comments1_id" INTEGER, PRIMARY KEY ("id"), CONSTRAINT "fk_8" FOREIGN KEY ("comments1_id") REFERENCES "comments1" ("id"));
-- migprop plan: 2 steps, sqlite
-- table rebuilds need foreign keys off, outside the transaction (SQLite ALTER TABLE 7)
PRAGMA foreign_keys=OFF;
BEGIN;

-- step 1: drop table "comments1"
-- INVALID: cannot drop table "comments1": table "select" has a foreign key referencing it
-- DATA LOSS: drops table "comments1" and its rows
DROP TABLE "comments1";

-- step 2: drop foreign key "fk_8" on "select" ("comments1_id") references "comments1" ("id")
CREATE TABLE "_mp_new_select" ("id" INTEGER NOT NULL, "comments1_id" INTEGER, PRIMARY KEY ("id"));
INSERT INTO "_mp_new_select" ("id", "comments1_id") SELECT "id", "comments1_id" FROM "select";
DROP TABLE "select";
ALTER TABLE "_mp_new_select" RENAME TO "select";

-- fail (and commit nothing) when a row violates a foreign key (ALTER TABLE 7, step 11)
CREATE TEMP TABLE _mp_fk_check(foreign_key_violations INTEGER CHECK (foreign_key_violations = 0));
INSERT INTO _mp_fk_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE _mp_fk_check;
COMMIT;
PRAGMA foreign_keys=ON;

-- what migprop reported:
--   the down migrations failed: down of part 1: replaying step 1: cannot drop table "comments1": table "select" has a foreign key referencing it
--   down of migration 1:
--   (none)
