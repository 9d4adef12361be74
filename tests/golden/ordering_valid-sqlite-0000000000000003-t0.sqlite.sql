-- migprop repro of fail/ordering_valid-sqlite-0000000000000003-t0.case: ordering_valid on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE TABLE "teams2" ("id" INTEGER NOT NULL, "created" NUMERIC(10,3), PRIMARY KEY ("id"));
-- migprop plan: 2 steps, sqlite
BEGIN;

-- step 1: rename table "teams2" to "tags3"
ALTER TABLE "teams2" RENAME TO "tags3";

-- step 2: rename column "teams2"."created" to "order"
-- INVALID: table "teams2" does not exist
ALTER TABLE "teams2" RENAME COLUMN "created" TO "order";
COMMIT;

-- what migprop reported:
--   step 2 (rename column "teams2"."created" to "order") violates a precondition: table "teams2" does not exist
--   the database then failed: 1_plan_part_1.up.sql:6: no such table: teams2
