-- migprop repro of fail/rollback_roundtrip-sqlite-0000000000000003-t42.case: rollback_roundtrip on sqlite
-- run: sqlite3 :memory: < FILE
.bail on
.dbconfig dqs_ddl off
.dbconfig dqs_dml off
PRAGMA foreign_keys=ON;
CREATE TABLE "events3" ("id" INTEGER NOT NULL, "kind" TIMESTAMP, "amount" NUMERIC(10,2) DEFAULT 0, PRIMARY KEY ("id"), CONSTRAINT "ck_1" CHECK (amount < 100000));
CREATE TABLE "audit_1" ("n" BIGINT);
CREATE TRIGGER "trg_2" AFTER INSERT ON "events3" BEGIN INSERT INTO "audit_1" ("n") SELECT NEW."id" WHERE NEW."amount" IS NOT NULL; END;
-- migprop plan: 3 steps, sqlite
BEGIN;

-- step 1: rename table "audit_1" to "audit_3"
-- INVALID: cannot rename table "audit_1" while trigger "trg_2" uses the table (drop it first, create it after)
ALTER TABLE "audit_1" RENAME TO "audit_3";

-- step 2: drop trigger "trg_2" on "events3"
DROP TRIGGER "trg_2";

-- step 3: drop column "events3"."kind"
-- DATA LOSS: drops column "events3"."kind" and its values
ALTER TABLE "events3" DROP COLUMN "kind";
COMMIT;

-- what migprop reported:
--   the down migrations failed: down of part 1: replaying step 1: cannot rename table "audit_1" while trigger "trg_2" uses the table (drop it first, create it after)
--   down of migration 1:
--   (none)
