-- migprop repro of fail/ordering_valid-sqlite-0000000000000003-t4.case: ordering_valid on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE TABLE "events" ("id" INTEGER NOT NULL, "orders2_id" INTEGER, PRIMARY KEY ("id"));
-- migprop plan: 2 steps, sqlite
BEGIN;

-- step 1: rename table "events" to "orders2"
ALTER TABLE "events" RENAME TO "orders2";

-- step 2: drop column "events"."orders2_id"
-- INVALID: table "events" does not exist
-- DATA LOSS: drops column "events"."orders2_id" and its values
ALTER TABLE "events" DROP COLUMN "orders2_id";
COMMIT;

-- what migprop reported:
--   step 2 (drop column "events"."orders2_id") violates a precondition: table "events" does not exist
--   the database then failed: 2_plan_part_2.up.sql:5: no such table: events
