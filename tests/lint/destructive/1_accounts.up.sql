CREATE TABLE accounts (
    id integer PRIMARY KEY,
    email text NOT NULL,
    legacy_code text
);
CREATE TABLE audit (id integer PRIMARY KEY, note text);
