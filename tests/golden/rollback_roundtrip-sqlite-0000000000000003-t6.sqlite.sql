-- migprop repro of fail/rollback_roundtrip-sqlite-0000000000000003-t6.case: rollback_roundtrip on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE TABLE "users" ("id" INTEGER NOT NULL, "user" NUMERIC(10,1) NOT NULL DEFAULT 42, "label" VARCHAR(194) DEFAULT 'it''s', "status" BLOB, PRIMARY KEY ("id"), CONSTRAINT "Uq 1" UNIQUE ("label"));
CREATE VIEW "active_v1" AS SELECT "users"."user", "users"."label", "users"."status" FROM "users" WHERE "users"."label" IS NOT NULL;
-- migprop plan: 3 steps, sqlite
BEGIN;

-- step 1: rename table "users" to "orders5"
-- INVALID: cannot rename table "users" while view "active_v1" uses the table (drop it first, create it after)
ALTER TABLE "users" RENAME TO "orders5";

-- step 2: drop view "active_v1"
DROP VIEW "active_v1";

-- step 3: create view "active_v1"
-- INVALID: cannot create view "active_v1": it uses table "orders5", which does not exist
CREATE VIEW "active_v1" AS SELECT "orders5"."user", "orders5"."label", "orders5"."status" FROM "orders5" WHERE "orders5"."label" IS NOT NULL;
COMMIT;

-- what migprop reported:
--   the down migrations failed: down of part 1: replaying step 1: cannot rename table "users" while view "active_v1" uses the table (drop it first, create it after)
--   down of migration 1:
--   (none)
--   down of migration 2:
--   (none)
