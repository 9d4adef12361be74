-- migprop repro of fail/rollback_roundtrip-sqlite-0000000000000003-t13.case: rollback_roundtrip on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE TABLE "order" ("id" INTEGER NOT NULL, PRIMARY KEY ("id"));
CREATE VIEW "select_v1" AS SELECT "order"."note" FROM "order";
-- migprop plan: 2 steps, sqlite
BEGIN;

-- step 1: drop table "order"
-- INVALID: cannot drop table "order" while view "select_v1" uses the table (drop it first, create it after)
-- DATA LOSS: drops table "order" and its rows
DROP TABLE "order";

-- step 2: drop view "select_v1"
DROP VIEW "select_v1";
COMMIT;

-- what migprop reported:
--   the down migrations failed: down of part 1: replaying step 1: cannot drop table "order" while view "select_v1" uses the table (drop it first, create it after)
--   down of migration 1:
--   (none)
