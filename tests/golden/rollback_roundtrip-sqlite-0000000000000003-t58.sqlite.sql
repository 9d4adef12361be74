-- migprop repro of fail/rollback_roundtrip-sqlite-0000000000000003-t58.case: rollback_roundtrip on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE TABLE "tasks" ("id" BIGINT NOT NULL, PRIMARY KEY ("id"));
CREATE TABLE "teams5" ("id" INTEGER NOT NULL, "tasks_id" BIGINT, PRIMARY KEY ("id"), CONSTRAINT "fk_8" FOREIGN KEY ("tasks_id") REFERENCES "tasks" ("id") MATCH FULL ON DELETE CASCADE);
-- migprop plan: 3 steps, sqlite
-- table rebuilds need foreign keys off, outside the transaction (SQLite ALTER TABLE 7)
PRAGMA foreign_keys=OFF;
BEGIN;

-- step 1: drop table "tasks"
-- INVALID: cannot drop table "tasks": table "teams5" has a foreign key referencing it
-- DATA LOSS: drops table "tasks" and its rows
DROP TABLE "tasks";

-- step 2: drop foreign key "fk_8" on "teams5" ("tasks_id") references "tasks" ("id")
CREATE TABLE "_mp_new_teams5" ("id" INTEGER NOT NULL, "tasks_id" BIGINT, PRIMARY KEY ("id"));
INSERT INTO "_mp_new_teams5" ("id", "tasks_id") SELECT "id", "tasks_id" FROM "teams5";
DROP TABLE "teams5";
ALTER TABLE "_mp_new_teams5" RENAME TO "teams5";

-- step 3: drop column "teams5"."tasks_id"
-- DATA LOSS: drops column "teams5"."tasks_id" and its values
ALTER TABLE "teams5" DROP COLUMN "tasks_id";

-- fail (and commit nothing) when a row violates a foreign key (ALTER TABLE 7, step 11)
CREATE TEMP TABLE _mp_fk_check(foreign_key_violations INTEGER CHECK (foreign_key_violations = 0));
INSERT INTO _mp_fk_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE _mp_fk_check;
COMMIT;
PRAGMA foreign_keys=ON;

-- what migprop reported:
--   the down migrations failed: down of part 1: replaying step 1: cannot drop table "tasks": table "teams5" has a foreign key referencing it
--   down of migration 1:
--   (none)
