-- migprop repro of fail/ordering_valid-sqlite-0000000000000003-t4.case: ordering_valid on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE VIEW "Ünïview_v1" AS SELECT "events"."where" FROM "events";
-- migprop plan: 2 steps, sqlite
BEGIN;

-- step 1: create view "Ünïview_v1"
-- INVALID: view "Ünïview_v1" already exists
CREATE VIEW "Ünïview_v1" AS SELECT "orders2"."where" FROM "orders2";

-- step 2: drop view "Ünïview_v1"
DROP VIEW "Ünïview_v1";
COMMIT;

-- what migprop reported:
--   step 1 (create view "Ünïview_v1") violates a precondition: view "Ünïview_v1" already exists
--   the database then failed: 1_plan_part_1.up.sql:4: view "Ünïview_v1" already exists
