-- reserved words, mixed case, spaces, quotes, non-ASCII
CREATE TABLE "user" ("from" integer PRIMARY KEY, "Group" text, "a""b" varchar(10));
CREATE TABLE "order" (id integer PRIMARY KEY, "select" integer REFERENCES "user" ("from"), "Ünïcode" text);
CREATE INDEX "My Index" ON "order" ("select");
