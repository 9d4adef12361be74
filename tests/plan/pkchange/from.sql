-- a primary key that changes (vaultwarden's devices: uuid -> (uuid, user_uuid)) under a foreign key that
-- references it, a key that comes and one that goes; character(36) to text; rows kept
CREATE TABLE users (uuid character(36) PRIMARY KEY, email text NOT NULL);
CREATE TABLE devices (uuid text NOT NULL, user_uuid character(36) REFERENCES users (uuid), name text NOT NULL,
                      CONSTRAINT devices_pkey PRIMARY KEY (uuid));
CREATE TABLE logins (id integer NOT NULL, device text REFERENCES devices (uuid));
CREATE TABLE notes (id integer PRIMARY KEY, body text);
INSERT INTO users VALUES ('u1', 'a@x'), ('u2', 'b@x');
INSERT INTO devices VALUES ('d1', 'u1', 'phone'), ('d2', 'u2', 'laptop');
INSERT INTO logins VALUES (1, 'd1'), (2, 'd2');
INSERT INTO notes VALUES (1, 'n');
