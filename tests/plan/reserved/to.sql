CREATE TABLE "User Table" ("where" integer PRIMARY KEY, "Group" text, "a""b" varchar(40) DEFAULT 'it''s');
CREATE TABLE "check" (id integer PRIMARY KEY, "select" integer REFERENCES "User Table" ("where"), "Ünïcode" text NOT NULL DEFAULT 'ü');
CREATE INDEX "TABLE" ON "check" ("select");
